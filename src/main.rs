//! The `hookguard` binary: I/O and exit codes only; everything else is in the library.
#![forbid(unsafe_code)]

use clap::Parser;
use hookguard::cli::{Cli, Command, HookCli, PolicyCommand};
use hookguard::event::{EventKind, MAX_EVENT_BYTES};
use hookguard::run::{self, Environment, Outcome};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // The hook's deadline counts from here (crate::deadline).
    let started = std::time::Instant::now();
    // A panic must never reach the client as exit 101, which it treats as "carry on": it is
    // caught below and answered with a deny. The hook prints only the reason, on stderr.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(std::io::stderr(), "hookguard: internal error: {info}");
    }));
    // The hook is the hot path: it is parsed on its own, without building every subcommand.
    let is_hook = std::env::args_os().nth(1).is_some_and(|a| a == "hook");
    let parsed = if is_hook {
        HookCli::try_parse_hook(std::env::args_os().skip(1)).map(|args| Cli {
            command: Command::Hook(args),
        })
    } else {
        Cli::try_parse()
    };
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            // For the hook, a bad command line is a broken registration: fail closed.
            if is_hook {
                let reason = format!(
                    "the hookguard registration has invalid arguments, so it refuses every call (fail closed): {}",
                    e.to_string().lines().next().unwrap_or("")
                );
                return emit(run::failure_outcome(EventKind::Other, &reason));
            }
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let env = Environment::from_process();
    match cli.command {
        Command::Hook(args) => {
            let mut opts = args.common.hook_options(args.audit_log.clone());
            opts.deadline = Some(started + hookguard::deadline::DEADLINE);
            // Debug builds only: an unoptimised build runs about ten times slower, and the test
            // suite runs hundreds of them at once on two cores, so 800 ms would turn ordinary
            // decisions into the deadline's answer at random. They get ten seconds unless a
            // test sets HOOKGUARD_DEBUG_DEADLINE_MS to reach the deadline's answer on purpose.
            // The deployed (release) binary always has `DEADLINE`.
            #[cfg(debug_assertions)]
            {
                let ms = std::env::var("HOOKGUARD_DEBUG_DEADLINE_MS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(10_000);
                opts.deadline = Some(started + std::time::Duration::from_millis(ms));
            }
            let outcome = std::panic::catch_unwind(|| {
                // Debug builds only: lets the tests prove that a panic fails closed.
                #[cfg(debug_assertions)]
                if std::env::var_os("HOOKGUARD_DEBUG_PANIC").is_some() {
                    panic!("HOOKGUARD_DEBUG_PANIC is set");
                }
                match hookguard::input::read(std::io::stdin().lock(), MAX_EVENT_BYTES + 1) {
                    Ok(event) => run::hook_read(&opts, &env, event),
                    Err(e) => run::failure_outcome(
                        EventKind::Other,
                        &format!("the hook event could not be read ({e}), so hookguard refuses the call (fail closed)"),
                    ),
                }
            })
            .unwrap_or_else(|_| {
                run::failure_outcome(
                    EventKind::Other,
                    "hookguard hit an internal error and refuses the call (fail closed); please report it with the event that caused it",
                )
            });
            emit(outcome)
        }
        Command::Explain(args) => text(hookguard::cli::explain(&args, &env)),
        // An invalid policy is a finding, as for conftest and other policy checkers: exit 1.
        Command::Policy(PolicyCommand::Check { common, cwd, files }) => {
            match hookguard::cli::policy_check(&common, cwd.as_deref(), &files, &env) {
                Err(e) => {
                    eprintln!("hookguard: {e}");
                    ExitCode::from(1)
                }
                ok => text(ok),
            }
        }
        Command::Policy(PolicyCommand::Test {
            cwd,
            builtin,
            format,
            files,
        }) => match hookguard::policytest::run(
            &files,
            builtin || files.is_empty(),
            cwd.map(|c| hookguard::cli::absolute_cwd(Some(&c), &env))
                .as_deref(),
        ) {
            Ok(r) => {
                match format.as_str() {
                    "json" => print!("{}", r.json()),
                    "junit" => print!("{}", r.junit()),
                    _ => print!("{}", r.text),
                }
                ExitCode::from(u8::from(r.failed > 0))
            }
            Err(e) => {
                eprintln!("hookguard: {e}");
                ExitCode::from(2)
            }
        },
        Command::Policy(PolicyCommand::Schema) => {
            print!("{}", hookguard::policy::schema::SCHEMA);
            ExitCode::SUCCESS
        }
        Command::Policy(PolicyCommand::Reference) => {
            print!("{}", hookguard::rules::reference_markdown());
            ExitCode::SUCCESS
        }
        Command::Policy(PolicyCommand::Import { settings }) => {
            text(hookguard::cli::policy_import(&settings))
        }
        Command::Install(args) => text(hookguard::install::run_install(&args)),
        Command::Uninstall(args) => text(hookguard::install::run_uninstall(&args)),
        Command::Sandbox(cmd) => text(hookguard::sandbox::run_command(&cmd)),
        Command::Doctor(args) => {
            let (report, well) = hookguard::doctor::run_doctor(&args);
            print!("{report}");
            ExitCode::from(if well { 0 } else { 1 })
        }
        Command::Completions { shell } => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(&hookguard::clidoc::completions(shell))
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("hookguard: writing the completion script: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Man { out_dir: None } => {
            let mut stdout = std::io::stdout().lock();
            match hookguard::clidoc::man_page(&mut stdout).and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("hookguard: writing the manual page: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Man { out_dir: Some(dir) } => text(
            hookguard::clidoc::man_pages_to(&dir)
                .map(|names| {
                    format!(
                        "wrote {} pages in {}: {}",
                        names.len(),
                        dir.display(),
                        names.join(" ")
                    )
                })
                .map_err(|e| format!("writing manual pages to {}: {e}", dir.display())),
        ),
        Command::Audit(cmd) => {
            let mut stdout = std::io::stdout().lock();
            let o = hookguard::audit::command::run(&cmd, &mut stdout);
            let _ = stdout.write_all(o.stdout.as_bytes());
            let _ = stdout.flush();
            if let Some(e) = o.stderr {
                eprintln!("{e}");
            }
            ExitCode::from(o.code)
        }
    }
}

fn emit(o: Outcome) -> ExitCode {
    ExitCode::from(hookguard::output::emit(
        o.stdout.as_deref(),
        o.stderr.as_deref(),
        o.code,
    ))
}

fn text(r: Result<String, String>) -> ExitCode {
    match r {
        Ok(s) => {
            print!("{s}");
            if !s.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hookguard: {e}");
            ExitCode::from(2)
        }
    }
}

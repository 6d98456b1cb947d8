//! Prints what the shell analyser makes of a command, and how long the analysis takes.
//!
//! `cargo run --release --example shell_analyse -- 'git commit -m "x" && rm -rf /'`
//! With `--bench`, times a set of typical commands instead.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use hookguard::shell::{ShellEnv, analyse, builtin_production_identifier};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let roots = vec![cwd.clone(), std::env::temp_dir()];
    let env = ShellEnv {
        cwd: &cwd,
        home: home.as_deref(),
        project_root: &cwd,
        write_roots: &roots,
        protected_branches: &[],
        ai_markers: &[],
        is_production_identifier: &builtin_production_identifier,
        read_files: true,
    };
    if args.first().map(String::as_str) == Some("--bench") {
        bench(&env);
        return;
    }
    let args: Vec<String> = args
        .into_iter()
        .map(|a| {
            if a == "-" {
                std::io::read_to_string(std::io::stdin()).unwrap_or_default()
            } else {
                a
            }
        })
        .collect();
    for command in &args {
        let t = Instant::now();
        let report = analyse(command, &env);
        let elapsed = t.elapsed();
        let shown: String = command.chars().take(100).collect();
        println!("# {shown}  ({elapsed:?})");
        let normalised: String = report.normalised.chars().take(2000).collect();
        println!("{normalised}");
        for a in &report.accesses {
            println!(
                "  access {} {} by {}{}",
                a.kind.as_str(),
                a.path.display(),
                a.by,
                if a.recursive { " (recursive)" } else { "" }
            );
        }
        for f in &report.findings {
            println!(
                "  finding {} [{}] {}: {}",
                f.rule, f.control, f.subject, f.reason
            );
        }
    }
    let _ = Path::new("/");
}

fn bench(env: &ShellEnv) {
    let commands = [
        "cargo test --all-targets",
        "git status && git diff --stat",
        "npm test -- --watch=false",
        "grep -rn 'fn main' src | head -20",
        "cd src && ls -la && cat lib.rs | wc -l",
        "for f in *.rs; do echo \"$f\"; done",
        "git commit -m \"Add parser [AI-assisted]\" && git push origin feature/x",
        "kubectl get pods -n dev --context staging",
    ];
    let n = 2000;
    for c in commands {
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(analyse(std::hint::black_box(c), env));
        }
        println!("{:>10.1?} per analysis: {c}", t.elapsed() / n);
    }
}

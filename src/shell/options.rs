//! A command's options and operands, read as getopt-style programs read them: one reader for
//! the access table ([`super::access`]) and the program checks ([`super::programs`]).

use super::{Arg, SimpleCommand};

/// The operands of `cmd` after its first `skip` arguments: the arguments that are neither
/// options nor the values of the options in `with_arg`; everything after `--` is an operand. An
/// argument whose value is not known counts as an operand even where it starts with `-`: it may
/// name a file, and what is not seen cannot be checked.
pub(crate) fn operands<'c>(cmd: &'c SimpleCommand, with_arg: &[&str], skip: usize) -> Vec<&'c Arg> {
    let mut out = Vec::new();
    let mut i = 1 + skip;
    let mut done = false;
    while i < cmd.argv.len() {
        let a = &cmd.argv[i];
        let v = a.value.as_str();
        if !done && v == "--" {
            done = true;
        } else if !done && v.starts_with('-') && v.len() > 1 && !a.unknown {
            if with_arg.contains(&v) {
                i += 1;
            }
        } else {
            out.push(a);
        }
        i += 1;
    }
    out
}

/// The values given to the options `opts`: `--opt value` and `--opt=value` for a long option
/// (more than one letter), `-o value` and `-oVALUE` for a short one. A value keeps the unknown
/// mark of the argument it was read from.
pub(crate) fn values(cmd: &SimpleCommand, opts: &[&str]) -> Vec<Arg> {
    let mut out = Vec::new();
    let argv = &cmd.argv;
    for (i, a) in argv.iter().enumerate().skip(1) {
        let v = a.value.as_str();
        for o in opts {
            let part = |value: &str| Arg {
                value: value.to_string(),
                unknown: a.unknown,
                pattern: None,
            };
            if v == *o {
                if let Some(n) = argv.get(i + 1) {
                    out.push(n.clone());
                }
            } else if let Some(rest) = v.strip_prefix(o) {
                if o.len() > 2 {
                    if let Some(val) = rest.strip_prefix('=') {
                        out.push(part(val));
                    }
                } else if !rest.is_empty() && !v.starts_with("--") {
                    out.push(part(rest.trim_start_matches('=')));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::TestEnv;

    fn first(command: &str) -> SimpleCommand {
        TestEnv::new("/p").analyse(command).commands.remove(0)
    }

    fn texts(args: &[&Arg]) -> Vec<String> {
        args.iter().map(|a| a.value.clone()).collect()
    }

    #[test]
    fn operands_skip_options_and_their_values() {
        let c = first("cp -t dir -r a -- -b");
        assert_eq!(texts(&operands(&c, &["-t"], 0)), ["a", "-b"]);
        assert_eq!(texts(&operands(&c, &[], 0)), ["dir", "a", "-b"]);
        let c = first("kubectl delete pod x");
        assert_eq!(texts(&operands(&c, &[], 1)), ["pod", "x"]);
    }

    #[test]
    fn an_unknown_argument_is_an_operand_even_with_a_dash() {
        let c = first("rm -$F x");
        assert!(c.argv[1].unknown, "{c:?}");
        assert_eq!(operands(&c, &[], 0).len(), 2);
    }

    #[test]
    fn values_in_every_spelling() {
        let c = first("x --output a --output=b -o c -od -o=e --outputs=no");
        let got: Vec<String> = values(&c, &["-o", "--output"])
            .into_iter()
            .map(|a| a.value)
            .collect();
        assert_eq!(got, ["a", "b", "c", "d", "e"]);
        let v = values(&first("x --file=$F"), &["--file"]);
        assert_eq!(v.len(), 1);
        assert!(v[0].unknown);
    }
}

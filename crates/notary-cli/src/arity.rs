//! notation's checks of how many operands a command was given, in its words. cobra runs them
//! after reading the flags and before checking required flags, so `notary cert show` says
//! `missing certificate file name` where clap would list the missing `--type` and `--store`.
//! Only command lines clap refuses reach this module: where notation takes extra operands and
//! ignores them (`key list x`), notary still refuses them, in clap's words.

use std::ffi::OsString;

/// What a command line asks for, read with the command tree's own flag definitions.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// The subcommand names, canonical (`cert` is `certificate`).
    pub path: Vec<String>,
    /// The operands after the last subcommand name.
    pub operands: Vec<String>,
    /// Long names of the flags given (a short flag is recorded by its long name).
    pub flags: Vec<String>,
    /// pflag's error for the first flag the command does not know (reported before anything
    /// else).
    pub unknown_flag: Option<String>,
}

impl Invocation {
    fn has(&self, long: &str) -> bool {
        self.flags.iter().any(|f| f == long)
    }
}

/// Reads `args` (the program name first) against `root` (built, so that global flags are
/// known to every subcommand).
pub(crate) fn scan(root: &clap::Command, args: &[OsString]) -> Invocation {
    let mut inv = Invocation::default();
    let mut cmd = root;
    let mut rest = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    let mut operands_only = false;
    while let Some(tok) = rest.next() {
        if operands_only || tok == "-" || !tok.starts_with('-') {
            if !operands_only
                && inv.operands.is_empty()
                && let Some(sub) = cmd.find_subcommand(&tok)
            {
                inv.path.push(sub.get_name().to_string());
                cmd = sub;
            } else {
                inv.operands.push(tok);
            }
            continue;
        }
        if tok == "--" {
            operands_only = true;
            continue;
        }
        if let Some(long) = tok.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            match cmd.get_arguments().find(|a| {
                a.get_long() == Some(name)
                    || a.get_all_aliases().is_some_and(|al| al.contains(&name))
            }) {
                Some(a) => {
                    inv.flags.push(a.get_long().unwrap_or(name).to_string());
                    if !inline && a.get_action().takes_values() {
                        rest.next();
                    }
                }
                None => {
                    inv.unknown_flag
                        .get_or_insert_with(|| format!("unknown flag: --{name}"));
                }
            }
            continue;
        }
        // A cluster of short flags: one taking a value ends it (the value is the rest of the
        // token, or the next token).
        let shorts: Vec<char> = tok[1..].chars().collect();
        for (i, c) in shorts.iter().enumerate() {
            match cmd.get_arguments().find(|a| a.get_short() == Some(*c)) {
                Some(a) => {
                    inv.flags
                        .push(a.get_long().map_or_else(|| c.to_string(), str::to_string));
                    if a.get_action().takes_values() {
                        if i + 1 == shorts.len() {
                            rest.next();
                        }
                        break;
                    }
                }
                None => {
                    inv.unknown_flag
                        .get_or_insert_with(|| format!("unknown shorthand flag: '{c}' in {tok}"));
                    break;
                }
            }
        }
    }
    inv
}

/// notation's error for the operands of `inv`, where notation refuses them.
pub(crate) fn operand_error(inv: &Invocation) -> Option<String> {
    let path: Vec<&str> = inv.path.iter().map(String::as_str).collect();
    let n = inv.operands.len();
    let first = inv.operands.first().map(String::as_str);
    let msg = match (path.as_slice(), n) {
        (["sign" | "verify" | "list" | "inspect"], 0) => format!(
            "missing reference to the artifact: use `notary {} --help` to see what parameters are required",
            path[0]
        ),
        (["certificate", "add"], 0) => "missing certificate path".into(),
        (["certificate", "show"], 0) => "missing certificate file name".into(),
        (["certificate", "show"], 2..) => "show only supports single certificate file".into(),
        (["certificate", "delete"], 0) if !inv.has("all") => "delete requires either the certificate file name that needs to be deleted or --all flag to delete all certificates in the given named trust store".into(),
        (["certificate", "delete"], 1..) if inv.has("all") => {
            CERT_DELETE_ONE_WITH_ALL.into()
        }
        (["certificate", "generate-test"], 0) => "missing certificate common_name".into(),
        // (notation's source, where `cleanup-test` is not yet released, words it so.)
        (["certificate", "cleanup-test"], 0) => "missing certificate common name".into(),
        (["key", "add"], n) if n != 1 => {
            "either missing key name or unnecessary parameters passed".into()
        }
        (["key", "update"], 0) => "missing key name".into(),
        (["key", "delete"], 0) => "missing key names".into(),
        (["policy", "show"], 1..) => format!("accepts 0 arg(s), received {n}"),
        (["plugin", "uninstall"], 0) => "plugin name is required".into(),
        (["plugin", "uninstall"], 2..) => "only one plugin can be removed at a time".into(),
        (["login" | "logout"], 0) => "no hostname specified".into(),
        (["version"], 1..) => format!(
            "unknown command {} for \"notary version\"",
            notary_core::json::go_quote(first.unwrap_or_default().as_bytes())
        ),
        // `completion SHELL x`: cobra's shell subcommands take no operands.
        (["completion"], 2..) => format!(
            "unknown command {} for \"notary completion {}\"",
            notary_core::json::go_quote(inv.operands[1].as_bytes()),
            inv.operands[0]
        ),
        _ => return None,
    };
    Some(msg)
}

/// `cert delete --all FILE`, in notation's words (the command checks it again once parsed).
pub(crate) const CERT_DELETE_ONE_WITH_ALL: &str = "cannot delete a single certificate file when --all flag is set. use --help flag for more details";

/// cobra's words for the required flags of the command `inv` names that it does not give:
/// long names, sorted, quoted. `None` when none is missing.
pub(crate) fn required_flags_error(root: &clap::Command, inv: &Invocation) -> Option<String> {
    let mut cmd = root;
    for name in &inv.path {
        cmd = cmd.find_subcommand(name)?;
    }
    let mut names: Vec<&str> = cmd
        .get_arguments()
        .filter(|a| a.is_required_set())
        .filter_map(|a| a.get_long())
        .filter(|l| !inv.has(l))
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort_unstable();
    Some(format!(
        "required flag(s) \"{}\" not set",
        names.join("\", \"")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn inv(line: &str) -> Invocation {
        let mut root = crate::Cli::command();
        root.build();
        let args: Vec<OsString> = std::iter::once("notary")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect();
        scan(&root, &args)
    }

    #[test]
    fn flags_with_values_are_not_operands() {
        let i = inv("cert show -t ca --store=s -d x y");
        assert_eq!(i.path, ["certificate", "show"]);
        assert_eq!(i.operands, ["x", "y"]);
        assert_eq!(i.flags, ["type", "store", "debug"]);
        assert_eq!(i.unknown_flag, None);
        let i = inv("cert delete -yat ca f");
        assert_eq!(i.flags, ["yes", "all", "type"]);
        assert_eq!(i.operands, ["f"]);
        let i = inv("key list --bogus -- --x");
        assert_eq!(i.unknown_flag.as_deref(), Some("unknown flag: --bogus"));
        assert_eq!(i.operands, ["--x"]);
        let i = inv("key list -dq");
        assert_eq!(
            i.unknown_flag.as_deref(),
            Some("unknown shorthand flag: 'q' in -dq")
        );
        // An operand is never taken for a subcommand name.
        let i = inv("key delete list");
        assert_eq!(i.path, ["key", "delete"]);
        assert_eq!(i.operands, ["list"]);
    }

    #[test]
    fn operand_counts_read_as_notation_reads_them() {
        for (line, want) in [
            ("cert add -t ca -s s", Some("missing certificate path")),
            ("cert add a b", None),
            (
                "cert show a b -t ca",
                Some("show only supports single certificate file"),
            ),
            ("cert show a", None),
            ("cert delete --all a", Some(CERT_DELETE_ONE_WITH_ALL)),
            ("cert delete --all", None),
            (
                "key add",
                Some("either missing key name or unnecessary parameters passed"),
            ),
            (
                "key add a b --plugin p",
                Some("either missing key name or unnecessary parameters passed"),
            ),
            ("key add a", None),
            ("policy show x y", Some("accepts 0 arg(s), received 2")),
            (
                "plugin uninstall a b",
                Some("only one plugin can be removed at a time"),
            ),
            (
                "version x",
                Some("unknown command \"x\" for \"notary version\""),
            ),
            (
                "completion bash x",
                Some("unknown command \"x\" for \"notary completion bash\""),
            ),
            (
                "list",
                Some(
                    "missing reference to the artifact: use `notary list --help` to see what parameters are required",
                ),
            ),
            ("key list x", None),
        ] {
            assert_eq!(operand_error(&inv(line)).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn required_flags_are_named_as_cobra_names_them() {
        let mut root = crate::Cli::command();
        root.build();
        for (line, want) in [
            (
                "cert show a b",
                Some("required flag(s) \"store\", \"type\" not set"),
            ),
            (
                "cert delete -s s a",
                Some("required flag(s) \"type\" not set"),
            ),
            ("cert delete --type=ca -s s a", None),
            (
                "cert show",
                Some("required flag(s) \"store\", \"type\" not set"),
            ),
            ("key list", None),
        ] {
            assert_eq!(
                required_flags_error(&root, &inv(line)).as_deref(),
                want,
                "{line}"
            );
        }
    }
}

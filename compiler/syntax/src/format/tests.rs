//! The layout rules of `format.rs`, one messy input and its canonical output at a time.

use super::{format, SKIP_FILE};

/// Formats `input`, which must parse, and checks the result is a fixed point.
fn fmt(input: &str) -> String {
    let output = format(input).unwrap_or_else(|errors| panic!("{input:?} does not parse: {errors:?}"));
    let again = format(&output).unwrap_or_else(|errors| panic!("output does not parse: {errors:?}\n{output}"));
    assert_eq!(again, output, "not idempotent on {input:?}");
    output
}

#[test]
fn spacing_indentation_and_one_statement_per_line() {
    let input = "mesh   shop{namespace shop environments dev,prod}\n\
                 service\tcheckout {\n\t\tport http 8080 port grpc 9090\n   versions v1 ,v2}\n";
    let expected = "\
mesh shop {
  namespace shop
  environments dev, prod
}

service checkout {
  port http 8080
  port grpc 9090
  versions v1, v2
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn punctuation_spacing() {
    let input = "defaults { domain:string  rate=10% }\n\
                 route r { hosts a , \"b\"\n prefix \"/\" -> a @ v1 : http 90% ,a@v2:8080 $w {timeout 1s}\n\
                 any->a}\n";
    let expected = "\
defaults {
  domain: string
  rate = 10%
}

route r {
  hosts a, \"b\"
  prefix \"/\" -> a@v1:http 90%, a@v2:8080 $w { timeout 1s }
  any -> a
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn crlf_tabs_and_a_byte_order_mark() {
    let input = "\u{FEFF}# header\r\nmesh m {\r\n\tnamespace m\t# why\r\n\tenvironments dev\r\n}\r\n";
    let expected = "# header\nmesh m {\n  namespace m  # why\n  environments dev\n}\n";
    assert_eq!(fmt(input), expected);
}

#[test]
fn short_blocks_stay_on_one_line() {
    let input = "service a {\n  port http 80\n}\n\
                 env dev {\n  x = 1\n  y = \"two\"\n}\n\
                 env prod production {\n}\n\
                 route r { hosts a\n any -> a {\n retry none\n }\n prefix \"/x\" -> a { }\n}\n\
                 route s {\n  any -> a { timeout 1s  retry none }\n}\n";
    let expected = "\
service a { port http 80 }
env dev { x = 1  y = \"two\" }
env prod production {}

route r {
  hosts a
  any -> a { retry none }
  prefix \"/x\" -> a {}
}

route s {
  any -> a {
    timeout 1s
    retry none
  }
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn imports_presets_and_uses() {
    let input = "import   \"std/resilience\"   as r\nimport a,b from \"std/x\"\n\
                 preset resilient ( attempts : int = 3 , per_try:duration=2s ) { retry $attempts x $per_try\n\
                 timeout 10s }\npreset nothing ( ) { }\n\
                 service s { port http 80 use r.resilient ( attempts = 5 ) }\n\
                 route q { hosts s\n any -> s { use resilient() } }\ntemplate dashboard \"dash.yaml.j2\"\n";
    let expected = "\
import \"std/resilience\" as r
import a, b from \"std/x\"

preset resilient(attempts: int = 3, per_try: duration = 2s) {
  retry $attempts x $per_try
  timeout 10s
}

preset nothing() {}

service s {
  port http 80
  use r.resilient(attempts = 5)
}

route q {
  hosts s
  any -> s { use resilient() }
}

template dashboard \"dash.yaml.j2\"
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn a_block_with_a_block_inside_is_laid_out_on_lines() {
    let input = "route r { any -> a { cors { origins \"x\" } } }\n";
    let expected = "\
route r {
  any -> a {
    cors { origins \"x\" }
  }
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn inline_blocks_hold_at_most_60_columns_on_a_line_of_at_most_100() {
    // Between the braces of `env e { v = "…" }`: the string and 6 columns.
    let fits = format!("env e {{ v = \"{}\" }}\n", "x".repeat(60 - 6));
    assert_eq!(fmt(&fits), fits);
    let too_much = "x".repeat(61 - 6);
    assert_eq!(fmt(&format!("env e {{ v = \"{too_much}\" }}")), format!("env e {{\n  v = \"{too_much}\"\n}}\n"));

    // Columns, not bytes: `é` is two bytes.
    let accented = format!("env e {{ v = \"{}\" }}\n", "é".repeat(60 - 6));
    assert_eq!(fmt(&accented), accented);

    // `  prefix "…" -> a { timeout 1s }` is 31 columns around the path.
    let rule = |path: &str| format!("route r {{\n  hosts a\n  prefix \"{path}\" -> a {{ timeout 1s }}\n}}\n");
    let fits = rule(&"/".repeat(100 - 31));
    assert_eq!(fits.lines().map(|line| line.chars().count()).max(), Some(100));
    assert_eq!(fmt(&fits), fits);
    let too_wide = "/".repeat(101 - 31);
    assert_eq!(
        fmt(&rule(&too_wide)),
        format!("route r {{\n  hosts a\n  prefix \"{too_wide}\" -> a {{\n    timeout 1s\n  }}\n}}\n")
    );

    // Long statements are not broken.
    let long = format!("service s {{\n  port http 80\n  versions {}\n}}\n", vec!["v1"; 60].join(", "));
    assert_eq!(fmt(&long), long);
}

#[test]
fn blank_lines_between_statements_are_kept_once() {
    let input = "service a {\n\n\n  port http 80\n\n\n\n  versions v1\n  account a\n\n}\n";
    let expected = "service a {\n  port http 80\n\n  versions v1\n  account a\n}\n";
    assert_eq!(fmt(input), expected);
}

#[test]
fn declarations_are_separated_by_one_blank_line_unless_both_are_one_liners() {
    let input =
        "\n\n\nenv a { x = 1 }\nenv b { x = 2 }\n\n\n\nenv c { x = 3 }\nservice s { port http 80  account x }\n\
                 service t { port http 80 }\nservice u { port http 80 }";
    let expected = "\
env a { x = 1 }
env b { x = 2 }

env c { x = 3 }

service s {
  port http 80
  account x
}

service t { port http 80 }
service u { port http 80 }
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn comments_between_declarations() {
    let input = "# file header\n\n\n# second paragraph\nmesh m { namespace m }   # trailing\n\
                 # about s\nservice s {\n  port http 80\n  account x\n}\n# about t\n\nservice t { port http 80 }\n\
                 # the end\n\n\n# really\n";
    let expected = "\
# file header

# second paragraph
mesh m { namespace m }  # trailing

# about s
service s {
  port http 80
  account x
}

# about t

service t { port http 80 }
# the end

# really
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn comments_inside_blocks() {
    let input = "service s {   # after the brace\n\
                 \n  # before the first statement\n  port http 80 # trailing\n\n\n   # alone\n  versions v1\n\
                 # last words\n\n}\n\
                 service e {\n  # nothing yet\n}\n";
    let expected = "\
service s {  # after the brace
  # before the first statement
  port http 80  # trailing

  # alone
  versions v1
  # last words
}

service e {
  # nothing yet
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn a_comment_inside_a_statement_continues_it_on_the_next_line() {
    let input = "service s {\n  pool max_connections 10 # per pod\n    , max_pending 5,\n# queue\nmax_requests 7\n}\n";
    let expected = "\
service s {
  pool max_connections 10,  # per pod
      max_pending 5,
      # queue
      max_requests 7
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn a_comment_before_a_brace_moves_after_it() {
    let input = "route r {\n  any -> a   # slow backend\n  { timeout 9s }\n}\n\
                 env e # the only one\n{ x = 1 }\n";
    let expected = "\
route r {
  any -> a {  # slow backend
    timeout 9s
  }
}

env e {  # the only one
  x = 1
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn comments_that_look_like_code_stay_comments() {
    let input = "service s { port http 80 # } service t {\n}\nenv e { v = \"a # not a comment\" }\n";
    let expected = "service s {\n  port http 80  # } service t {\n}\n\nenv e { v = \"a # not a comment\" }\n";
    assert_eq!(fmt(input), expected);
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt(" \n\t\r\n\u{FEFF}"), "");
    assert_eq!(fmt("\n\n# one   \n\n\n\n#two\n"), "# one\n\n#two\n");
    assert_eq!(fmt("# no newline at the end"), "# no newline at the end\n");
}

#[test]
fn files_that_do_not_parse_are_not_formatted() {
    let errors = format("service a {\n  versions v1 v2\n}\nservice b { port http 80 }\n").expect_err("syntax error");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.starts_with("expected"), "{errors:?}");
    assert!(format("service {").is_err());
    assert!(format("}").is_err());
}

#[test]
fn the_skip_directive_leaves_a_file_as_written() {
    let broken = format!("# a case broken on purpose\n{SKIP_FILE}\nservice a {{\n  versions v1 v2\n}}\n");
    assert_eq!(format(&broken), Ok(broken.clone()));
    let messy = format!("\u{FEFF}  {SKIP_FILE}\r\nservice   a{{port http 80}}");
    assert_eq!(format(&messy), Ok(messy.clone()));
    let reasoned = format!("{SKIP_FILE} (broken on purpose)\nservice   a {{ versions v1 v2 }}\n");
    assert_eq!(format(&reasoned), Ok(reasoned.clone()));
    let misspelled = format!("{SKIP_FILE}s\nservice   a {{ port http 80 }}\n");
    assert_eq!(fmt(&misspelled), format!("{SKIP_FILE}s\nservice a {{ port http 80 }}\n"));
    // Only among the comment lines that open the file.
    let late = format!("service a {{ port http 80 }}\n{SKIP_FILE}\nservice   b {{ port http 80 }}\n");
    assert_eq!(fmt(&late), format!("service a {{ port http 80 }}\n{SKIP_FILE}\nservice b {{ port http 80 }}\n"));
}

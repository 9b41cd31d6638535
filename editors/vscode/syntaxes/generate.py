#!/usr/bin/env python3
"""Writes mesh.tmLanguage.json (beside this script) from grammar/mesh.pest: every `K_*` rule
is a keyword; the keywords that open a `*_decl` rule are declaration keywords, highlighted
with the name they declare. Run it after changing the grammar's keywords;
lsp/tests/editor_grammar.rs fails until the two agree.

Usage: generate.py [PATH/TO/mesh.pest]
"""

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
GRAMMAR = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "grammar" / "mesh.pest"

text = GRAMMAR.read_text(encoding="utf-8")
keywords = sorted(re.findall(r"^K_(\w+) = ", text, re.MULTILINE))
declarations = sorted(set(re.findall(r"^\w+_decl\s*=\s*\{\s*K_(\w+)", text, re.MULTILINE)))
others = [k for k in keywords if k not in declarations]

# A keyword ends where an identifier could not go on: identifiers hold `-` unless `->` follows.
BEFORE = r"(?<![\w-])"
AFTER = r"(?![\w]|-(?!>))"
NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:-(?!>)[A-Za-z0-9_]*)*"


def alternation(words):
    return "(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")"


grammar = {
    "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    "name": "mesh",
    "scopeName": "source.mesh",
    "fileTypes": ["mesh"],
    "patterns": [
        {"include": f"#{name}"}
        for name in ["comment", "string", "declaration", "keyword", "variable", "number", "operator", "punctuation"]
    ],
    "repository": {
        "comment": {"name": "comment.line.number-sign.mesh", "match": "#.*$"},
        "string": {
            "name": "string.quoted.double.mesh",
            "begin": '"',
            "end": '"|$',
            "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.mesh"}},
            "endCaptures": {"0": {"name": "punctuation.definition.string.end.mesh"}},
            "patterns": [
                {"name": "constant.character.escape.mesh", "match": r"\\."},
                {
                    "name": "meta.interpolation.mesh",
                    "match": r"(\$\{)(" + NAME + r")(\})",
                    "captures": {
                        "1": {"name": "punctuation.section.interpolation.begin.mesh"},
                        "2": {"name": "variable.other.mesh"},
                        "3": {"name": "punctuation.section.interpolation.end.mesh"},
                    },
                },
            ],
        },
        "declaration": {
            "comment": "A declaration keyword and the name it declares: `service checkout {`.",
            "match": BEFORE + "(" + alternation(declarations) + ")" + AFTER + r"(?:\s+(?!\{)(" + NAME + "))?",
            "captures": {"1": {"name": "keyword.other.declaration.mesh"}, "2": {"name": "entity.name.type.mesh"}},
        },
        "keyword": {
            "comment": "Every other K_* rule of grammar/mesh.pest.",
            "name": "keyword.other.mesh",
            "match": BEFORE + alternation(others) + AFTER,
        },
        "variable": {"name": "variable.other.mesh", "match": r"\$" + NAME},
        "number": {
            "patterns": [
                {"name": "constant.numeric.rate.mesh", "match": r"\b\d+/(?:\d+(?:\.\d+)?(?:ms|us|ns|h|m|s|d))+\b"},
                {
                    "name": "constant.numeric.duration.mesh",
                    "match": r"\b(?:\d+(?:\.\d+)?(?:ms|us|ns|h|m|s|d))+(?![\w-])",
                },
                {"name": "constant.numeric.percentage.mesh", "match": r"\b\d+(?:\.\d+)?%"},
                {"name": "constant.numeric.mesh", "match": r"-?\b\d+(?:\.\d+)?\b"},
            ]
        },
        "operator": {"name": "keyword.operator.arrow.mesh", "match": "->"},
        "punctuation": {
            "patterns": [
                {"name": "punctuation.separator.version.mesh", "match": "@"},
                {"name": "punctuation.separator.port.mesh", "match": ":"},
                {"name": "punctuation.separator.comma.mesh", "match": ","},
                {"name": "keyword.operator.assignment.mesh", "match": "="},
                {"name": "punctuation.section.block.begin.mesh", "match": r"\{"},
                {"name": "punctuation.section.block.end.mesh", "match": r"\}"},
            ]
        },
    },
}

(HERE / "mesh.tmLanguage.json").write_text(json.dumps(grammar, indent=2) + "\n", encoding="utf-8")
print(f"{len(keywords)} keywords, {len(declarations)} of them declarations")

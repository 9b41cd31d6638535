//! Semantic tokens: keywords (the grammar's keyword list) versus names (classified by what
//! the index says they resolve to) versus strings, numbers with units, and comments. The
//! lexer finds the tokens; `${name}` inside a string is its own token.

use std::collections::HashMap;

use meshc_core::{vocabulary, DefKind, FileId};
use tower_lsp_server::ls_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

use crate::lexer::{self, Kind};
use crate::position::utf16_len;
use crate::snapshot::Snapshot;

/// Token types, in legend order: the index into this list is what the client receives.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::CLASS,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::STRUCT,
    SemanticTokenType::EVENT,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::TYPE,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
];

const MODIFIERS: &[SemanticTokenModifier] = &[SemanticTokenModifier::DECLARATION];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend { token_types: TYPES.to_vec(), token_modifiers: MODIFIERS.to_vec() }
}

fn index_of(t: &SemanticTokenType) -> u32 {
    TYPES.iter().position(|x| x == t).unwrap_or(0) as u32
}

fn type_of(kind: DefKind) -> SemanticTokenType {
    match kind {
        DefKind::Environment => SemanticTokenType::NAMESPACE,
        DefKind::Value => SemanticTokenType::VARIABLE,
        DefKind::Provider => SemanticTokenType::FUNCTION,
        DefKind::Service => SemanticTokenType::CLASS,
        DefKind::External => SemanticTokenType::INTERFACE,
        DefKind::Version => SemanticTokenType::ENUM_MEMBER,
        DefKind::Port => SemanticTokenType::PROPERTY,
        DefKind::Account => SemanticTokenType::PARAMETER,
        DefKind::Gateway => SemanticTokenType::STRUCT,
        DefKind::Route => SemanticTokenType::EVENT,
        DefKind::Jwt => SemanticTokenType::TYPE,
        DefKind::Preset => SemanticTokenType::FUNCTION,
        DefKind::Template => SemanticTokenType::STRING,
    }
}

/// One classified piece of text: `start..end` bytes, a legend index and modifier bits.
type Piece = (usize, usize, u32, u32);

/// The tokens of `file`, encoded relative to each other as LSP requires.
pub fn tokens(snapshot: &Snapshot, file: FileId) -> Vec<SemanticToken> {
    let text = snapshot.text(file);
    let index = &snapshot.analysis.index;
    // Names the index knows in this file, by start offset: (kind, is the declaration).
    let mut names: HashMap<usize, (DefKind, bool)> = HashMap::new();
    for d in index.definitions.iter().filter(|d| d.span.file == file) {
        names.entry(d.span.start as usize).or_insert((d.kind, true));
    }
    for r in index.references.iter().filter(|r| r.span.file == file) {
        if let Some(d) = index.definitions.get(r.definition) {
            names.entry(r.span.start as usize).or_insert((d.kind, false));
        }
    }
    let keywords = meshc_syntax::expect::keywords();
    let mut pieces: Vec<Piece> = Vec::new();
    for token in lexer::tokens(text) {
        let word = token.text(text);
        let kind = match token.kind {
            Kind::Comment => SemanticTokenType::COMMENT,
            Kind::Number => SemanticTokenType::NUMBER,
            Kind::Arrow => SemanticTokenType::OPERATOR,
            Kind::Var => SemanticTokenType::VARIABLE,
            Kind::Str => {
                string_pieces(text, token.start, token.end, &names, &mut pieces);
                continue;
            }
            Kind::Word => match names.get(&token.start) {
                Some(&(kind, declaration)) => {
                    pieces.push((token.start, token.end, index_of(&type_of(kind)), u32::from(declaration)));
                    continue;
                }
                None if keywords.binary_search_by(|k| k.as_str().cmp(word)).is_ok() => SemanticTokenType::KEYWORD,
                None if is_enum_word(word) => SemanticTokenType::ENUM_MEMBER,
                None => continue,
            },
            Kind::Punct | Kind::Other => continue,
        };
        pieces.push((token.start, token.end, index_of(&kind), 0));
    }
    encode(snapshot, file, &pieces)
}

fn is_enum_word(word: &str) -> bool {
    vocabulary::WORDS
        .iter()
        .chain([&vocabulary::PROVIDER_KINDS, &vocabulary::RETRY_CONDITIONS, &vocabulary::VALUE_TYPES])
        .any(|w| w.words.contains(&word))
}

/// A string literal, split around the `${name}` references the index found inside it.
fn string_pieces(text: &str, start: usize, end: usize, names: &HashMap<usize, (DefKind, bool)>, out: &mut Vec<Piece>) {
    let string = index_of(&SemanticTokenType::STRING);
    let mut at = start;
    let mut i = start;
    while i < end {
        if let Some(&(kind, _)) = names.get(&i) {
            let name_end = text.get(i..end).map_or(end, |rest| {
                i + rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len())
            });
            if name_end > i {
                if at < i {
                    out.push((at, i, string, 0));
                }
                out.push((i, name_end, index_of(&type_of(kind)), 0));
                at = name_end;
                i = name_end;
                continue;
            }
        }
        i += 1;
    }
    if at < end {
        out.push((at, end, string, 0));
    }
}

fn encode(snapshot: &Snapshot, file: FileId, pieces: &[Piece]) -> Vec<SemanticToken> {
    let text = snapshot.text(file);
    let Some(lines) = snapshot.lines.get(file.0 as usize) else { return Vec::new() };
    let mut out = Vec::with_capacity(pieces.len());
    let (mut line, mut column) = (0, 0);
    for &(start, end, token_type, modifiers) in pieces {
        let Some(piece) = text.get(start..end) else { continue };
        let position = lines.position(text, start);
        let delta_line = position.line - line;
        let delta_start = if delta_line == 0 { position.character - column } else { position.character };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: utf16_len(piece),
            token_type,
            token_modifiers_bitset: modifiers,
        });
        line = position.line;
        column = position.character;
    }
    out
}

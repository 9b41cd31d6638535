//! The block writer's subset written straight from serde, without capturing a [`Node`] tree
//! first: the tree (a copy of every string, a vector per map) and dropping it cost more than
//! writing the text. It lays documents out exactly as [`super::block`] does, with the same
//! rules for scalars, and declines (`None`) wherever `block` would decline or the tree
//! would hold a null outside a map; the caller then captures the tree and takes the usual path,
//! so the output never depends on which writer ran. Tests compare the two on every document
//! shape and on every object of the examples.
//!
//! [`Node`]: super::Node

use std::fmt::{self, Write};

use serde::ser::{self, Impossible, Serialize};

use super::block::{self, Position};

/// The document as YAML, or `None` if it is outside the subset.
pub(super) fn write<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut out = String::with_capacity(1024);
    value.serialize(Slot { out: &mut out, at: At::Top }).ok()?;
    Some(out)
}

/// Why the streaming writer stopped: the document is outside its subset (or does not
/// serialise at all, which the general path then reports).
#[derive(Debug)]
struct Decline;

impl fmt::Display for Decline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outside the streaming writer's subset")
    }
}

impl std::error::Error for Decline {}

impl ser::Error for Decline {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Decline
    }
}

type Result<T = ()> = std::result::Result<T, Decline>;

/// Where a value is being written.
#[derive(Clone, Copy)]
enum At {
    /// The whole document: only a map is in the subset.
    Top,
    /// After `key:` of an entry of a map whose keys are at `indent`; the entry starts at byte
    /// `entry` of the output, so a null value can take its key back out. With `null_declines`
    /// (a variant's value) a null is not dropped: the tree would refuse it.
    Value { indent: usize, entry: usize, null_declines: bool },
    /// After `- ` of a list item whose dash is at `indent`.
    Item { indent: usize },
}

/// The serializer of one value, at one place of the document.
struct Slot<'o> {
    out: &'o mut String,
    at: At,
}

impl<'o> Slot<'o> {
    /// Writes a one-line scalar where this slot is, as `block` does.
    fn scalar(self, write: impl FnOnce(&mut String) -> Option<()>) -> Result {
        match self.at {
            At::Top => Err(Decline),
            At::Value { .. } => {
                self.out.push(' ');
                write(self.out).ok_or(Decline)?;
                self.out.push('\n');
                Ok(())
            }
            At::Item { .. } => {
                write(self.out).ok_or(Decline)?;
                self.out.push('\n');
                Ok(())
            }
        }
    }

    fn null(self) -> Result {
        match self.at {
            // Maps drop null values (an unset field is written as no field).
            At::Value { entry, null_declines: false, .. } => {
                self.out.truncate(entry);
                Ok(())
            }
            _ => Err(Decline),
        }
    }

    /// Starts a map here: its entries, then `end` settles an empty one.
    fn map(self) -> Result<MapWriter<'o>> {
        let (indent, after_dash) = match self.at {
            At::Top => (0, false),
            At::Value { indent, .. } => {
                self.out.push('\n');
                (indent + 2, false)
            }
            At::Item { indent } => (indent + 2, true),
        };
        let start = self.out.len();
        Ok(MapWriter { out: self.out, at: self.at, indent, after_dash, start, entries: 0, key: None })
    }

    /// Starts a list here (only as a map's value: `block` takes no list elsewhere).
    fn seq(self) -> Result<SeqWriter<'o>> {
        let At::Value { indent, .. } = self.at else { return Err(Decline) };
        self.out.push('\n');
        let start = self.out.len();
        Ok(SeqWriter { out: self.out, indent, start, items: 0 })
    }
}

fn integer(out: &mut String, n: impl fmt::Display) -> Option<()> {
    // `write!` into a String cannot fail.
    let _ = write!(out, "{n}");
    Some(())
}

impl<'o> ser::Serializer for Slot<'o> {
    type Ok = ();
    type Error = Decline;
    type SerializeSeq = SeqWriter<'o>;
    type SerializeTuple = SeqWriter<'o>;
    type SerializeTupleStruct = SeqWriter<'o>;
    type SerializeTupleVariant = Impossible<(), Decline>;
    type SerializeMap = MapWriter<'o>;
    type SerializeStruct = MapWriter<'o>;
    type SerializeStructVariant = Impossible<(), Decline>;

    fn serialize_bool(self, v: bool) -> Result {
        self.scalar(|out| {
            out.push_str(if v { "true" } else { "false" });
            Some(())
        })
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.scalar(|out| integer(out, v))
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.scalar(|out| block::float(out, v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.scalar(|out| block::float(out, v))
    }
    fn serialize_char(self, v: char) -> Result {
        self.scalar(|out| block::string(out, v.encode_utf8(&mut [0; 4]), Position::Value))
    }
    fn serialize_str(self, v: &str) -> Result {
        self.scalar(|out| block::string(out, v, Position::Value))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result {
        Err(Decline)
    }
    fn serialize_none(self) -> Result {
        self.null()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.null()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.null()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    /// `{variant: value}`, a map of one entry whose value may not be null.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        let mut map = self.map()?;
        map.entry(variant, value, true)?;
        ser::SerializeMap::end(map)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqWriter<'o>> {
        self.seq()
    }
    fn serialize_tuple(self, _: usize) -> Result<SeqWriter<'o>> {
        self.seq()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<SeqWriter<'o>> {
        self.seq()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Decline)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapWriter<'o>> {
        self.map()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapWriter<'o>> {
        self.map()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Decline)
    }
}

/// The entries of one map, written as they come.
struct MapWriter<'o> {
    out: &'o mut String,
    /// Where the map itself stands (to settle an empty one).
    at: At,
    /// The indentation of its keys.
    indent: usize,
    /// The first key follows a `- ` already written.
    after_dash: bool,
    /// Where its first entry starts.
    start: usize,
    entries: usize,
    /// A key given to `serialize_key`, waiting for its value.
    key: Option<String>,
}

impl MapWriter<'_> {
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T, null_declines: bool) -> Result {
        let entry = self.out.len();
        if self.entries > 0 || !self.after_dash {
            block::pad(self.out, self.indent);
        }
        block::string(self.out, key, Position::Key).ok_or(Decline)?;
        self.out.push(':');
        value.serialize(Slot { out: self.out, at: At::Value { indent: self.indent, entry, null_declines } })?;
        if self.out.len() > entry {
            self.entries += 1;
        }
        Ok(())
    }

    fn end(self) -> Result {
        if self.entries > 0 {
            return Ok(());
        }
        match self.at {
            At::Top => self.out.push_str("{}\n"),
            At::Value { .. } => {
                // Take back the line break after the key: an empty map stays on its line.
                self.out.truncate(self.start - 1);
                self.out.push_str(" {}\n");
            }
            At::Item { .. } => return Err(Decline),
        }
        Ok(())
    }
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = Decline;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.key = Some(key.serialize(KeyName)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let key = self.key.take().ok_or(Decline)?;
        self.entry(&key, value, false)
    }
    fn end(self) -> Result {
        MapWriter::end(self)
    }
}

impl ser::SerializeStruct for MapWriter<'_> {
    type Ok = ();
    type Error = Decline;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.entry(key, value, false)
    }
    fn end(self) -> Result {
        MapWriter::end(self)
    }
}

/// The items of one list (a map's value), written as they come.
struct SeqWriter<'o> {
    out: &'o mut String,
    /// The indentation of its dashes: its key's.
    indent: usize,
    /// Where its first item starts.
    start: usize,
    items: usize,
}

impl SeqWriter<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        block::pad(self.out, self.indent);
        self.out.push_str("- ");
        value.serialize(Slot { out: self.out, at: At::Item { indent: self.indent } })?;
        self.items += 1;
        Ok(())
    }

    fn end(self) -> Result {
        if self.items == 0 {
            self.out.truncate(self.start - 1);
            self.out.push_str(" []\n");
        }
        Ok(())
    }
}

impl ser::SerializeSeq for SeqWriter<'_> {
    type Ok = ();
    type Error = Decline;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.item(value)
    }
    fn end(self) -> Result {
        SeqWriter::end(self)
    }
}

impl ser::SerializeTuple for SeqWriter<'_> {
    type Ok = ();
    type Error = Decline;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.item(value)
    }
    fn end(self) -> Result {
        SeqWriter::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqWriter<'_> {
    type Ok = ();
    type Error = Decline;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.item(value)
    }
    fn end(self) -> Result {
        SeqWriter::end(self)
    }
}

/// A map key: `block` takes only strings (and the tree makes one of a char or a unit variant).
struct KeyName;

impl ser::Serializer for KeyName {
    type Ok = String;
    type Error = Decline;
    type SerializeSeq = Impossible<String, Decline>;
    type SerializeTuple = Impossible<String, Decline>;
    type SerializeTupleStruct = Impossible<String, Decline>;
    type SerializeTupleVariant = Impossible<String, Decline>;
    type SerializeMap = Impossible<String, Decline>;
    type SerializeStruct = Impossible<String, Decline>;
    type SerializeStructVariant = Impossible<String, Decline>;

    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<String> {
        Err(Decline)
    }
    fn serialize_i8(self, _: i8) -> Result<String> {
        Err(Decline)
    }
    fn serialize_i16(self, _: i16) -> Result<String> {
        Err(Decline)
    }
    fn serialize_i32(self, _: i32) -> Result<String> {
        Err(Decline)
    }
    fn serialize_i64(self, _: i64) -> Result<String> {
        Err(Decline)
    }
    fn serialize_u8(self, _: u8) -> Result<String> {
        Err(Decline)
    }
    fn serialize_u16(self, _: u16) -> Result<String> {
        Err(Decline)
    }
    fn serialize_u32(self, _: u32) -> Result<String> {
        Err(Decline)
    }
    fn serialize_u64(self, _: u64) -> Result<String> {
        Err(Decline)
    }
    fn serialize_f32(self, _: f32) -> Result<String> {
        Err(Decline)
    }
    fn serialize_f64(self, _: f64) -> Result<String> {
        Err(Decline)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        Err(Decline)
    }
    fn serialize_none(self) -> Result<String> {
        Err(Decline)
    }
    fn serialize_unit(self) -> Result<String> {
        Err(Decline)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        Err(Decline)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        Err(Decline)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(Decline)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(Decline)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct> {
        Err(Decline)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Decline)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(Decline)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(Decline)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Decline)
    }
}

#[cfg(test)]
mod tests;

//! Moving data between Rust and regorus without JSON text in between.
//!
//! - [`to_value`] is a serde `Serializer` that builds a regorus [`Value`] straight from any
//!   `Serialize` type (the facts, parameter overrides), honouring every serde attribute the
//!   facts model uses (`rename`, `skip_serializing_if`, `flatten`). Numbers come out as regorus'
//!   own JSON reader would make them (non-negative integers unsigned, non-finite floats `null`),
//!   and struct field names are shared, not allocated per object.
//! - [`to_json`] turns a regorus [`Value`] into a `serde_json::Value` (for metadata, evidence and
//!   anything else a rule returns), printing numbers the way regorus does and never failing: a
//!   number JSON cannot hold becomes its decimal text.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::hash::{BuildHasherDefault, Hasher};

use regorus::{Rc, Value};
use serde::ser::{self, Serialize};

/// Builds the regorus value of `data`.
pub fn to_value<T: Serialize + ?Sized>(data: &T) -> Value {
    let mut keys = Keys::default();
    to_value_with(data, &mut keys)
}

/// [`to_value`] sharing field-name strings across calls (one [`Keys`] per thread of work).
pub fn to_value_with<T: Serialize + ?Sized>(data: &T, keys: &mut Keys) -> Value {
    data.serialize(ValueSerializer { keys }).unwrap_or(Value::Null)
}

/// A hasher for keys that are already well spread (addresses, short strings, hex ids): one
/// multiply per word, where SipHash would cost more than the work it indexes. Not for keys an
/// attacker chooses to collide in bulk.
#[derive(Default)]
pub struct QuickHasher(u64);

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// [`QuickHasher`] for `HashMap`s.
pub type Quick = BuildHasherDefault<QuickHasher>;

/// Strings this short that repeat across objects (`EC`, `sha256`, `pem`, `CN=ca`, dates) are
/// shared rather than allocated each time.
const SHARED_STRING_MAX: usize = 24;

/// Which fields and map entries a conversion keeps, by name, at any depth.
#[derive(Debug, Clone, Copy, Default)]
pub enum Fields {
    /// Every one.
    #[default]
    All,
    /// Every one but these.
    Omit(&'static [&'static str]),
    /// Only these (struct fields; map entries are kept).
    Keep(&'static [&'static str]),
}

impl Fields {
    fn omits_field(self, name: &str) -> bool {
        match self {
            Fields::All => false,
            Fields::Omit(list) => list.contains(&name),
            Fields::Keep(list) => !list.contains(&name),
        }
    }
}

/// Interned object keys: every object of a kind shares its field-name strings (looked up by the
/// address of the `&'static str` serde hands over), and short string values are shared too. A
/// `Keys` also decides which fields are kept ([`Fields`]).
#[derive(Default)]
pub struct Keys {
    fields: HashMap<usize, Option<Value>, Quick>,
    variants: HashMap<usize, Value, Quick>,
    // Keyed by data, so with the standard (randomly keyed) hasher.
    strings: HashMap<Box<str>, Value>,
    empty_array: Option<Value>,
    filter: Fields,
    /// The sorted order of the fields of structs seen before, by the field keys they had.
    shapes: HashMap<u64, Shape, Quick>,
}

/// The field keys of one kind of struct object in the order serde gives them, and the order that
/// sorts them: every object of a struct (with the same optional fields present) is sorted alike.
struct Shape {
    /// The addresses of the shared key strings ([`Keys::field`]), in serde's order.
    keys: Vec<usize>,
    /// The index in serde's order of each field in sorted order.
    sorted: Vec<usize>,
}

/// How many shapes a [`Keys`] remembers: one per struct and set of present optional fields, so a
/// handful in practice; the bound keeps an unusual input from growing the table.
const SHAPES_MAX: usize = 64;

impl Keys {
    /// Keys that keep only the fields `filter` allows.
    pub fn with(filter: Fields) -> Self {
        Keys {
            filter,
            ..Keys::default()
        }
    }

    fn omits_entry(&self, name: &str) -> bool {
        matches!(self.filter, Fields::Omit(list) if list.contains(&name))
    }

    /// The shared key of struct field `name`, or `None` when the filter leaves the field out
    /// (decided once per name, not per object).
    fn field(&mut self, name: &'static str) -> Option<Value> {
        // Two equal names at different addresses get two entries with equal values: harmless.
        let filter = self.filter;
        self.fields
            .entry(name.as_ptr() as usize ^ (name.len() << 48))
            .or_insert_with(|| (!filter.omits_field(name)).then(|| Value::String(Rc::from(name))))
            .clone()
    }

    /// The shared key of a variant name (never filtered).
    fn variant(&mut self, name: &'static str) -> Value {
        self.variants
            .entry(name.as_ptr() as usize ^ (name.len() << 48))
            .or_insert_with(|| Value::String(Rc::from(name)))
            .clone()
    }

    fn string(&mut self, text: &str) -> Value {
        if text.len() > SHARED_STRING_MAX {
            return string(text);
        }
        if let Some(v) = self.strings.get(text) {
            return v.clone();
        }
        let v = string(text);
        self.strings.insert(text.into(), v.clone());
        v
    }

    fn empty_array(&mut self) -> Value {
        self.empty_array.get_or_insert_with(|| Value::from(Vec::new())).clone()
    }
}

/// The only error serializing into a regorus value can meet: a `Serialize` impl that reports its own.
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

struct ValueSerializer<'k> {
    keys: &'k mut Keys,
}

fn string(text: &str) -> Value {
    Value::String(Rc::from(text))
}

fn unsigned_or_signed(v: i64) -> Value {
    // regorus reads `5` as unsigned and `-5` as signed; arithmetic differs between the two.
    u64::try_from(v).map(Value::from).unwrap_or_else(|_| Value::from(v))
}

impl<'k> ser::Serializer for ValueSerializer<'k> {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqBuilder<'k>;
    type SerializeTuple = SeqBuilder<'k>;
    type SerializeTupleStruct = SeqBuilder<'k>;
    type SerializeTupleVariant = SeqBuilder<'k>;
    type SerializeMap = MapBuilder<'k>;
    type SerializeStruct = MapBuilder<'k>;
    type SerializeStructVariant = MapBuilder<'k>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        Ok(unsigned_or_signed(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        Ok(unsigned_or_signed(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        Ok(unsigned_or_signed(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        Ok(unsigned_or_signed(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        Ok(Value::from(u64::from(v)))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        Ok(Value::from(u64::from(v)))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        Ok(Value::from(u64::from(v)))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        Ok(Value::from(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        Ok(Value::from(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(string(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(self.keys.string(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        Ok(Value::from(
            v.iter().map(|b| Value::from(u64::from(*b))).collect::<Vec<_>>(),
        ))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Value, Error> {
        Ok(self.keys.variant(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let key = self.keys.variant(variant);
        let inner = value.serialize(ValueSerializer { keys: self.keys })?;
        Ok(Value::from(BTreeMap::from([(key, inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder<'k>, Error> {
        Ok(SeqBuilder {
            keys: self.keys,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder<'k>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder<'k>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder<'k>, Error> {
        Ok(SeqBuilder {
            keys: self.keys,
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder<'k>, Error> {
        Ok(MapBuilder {
            keys: self.keys,
            fields: false,
            entries: Vec::with_capacity(len.unwrap_or(8)),
            pending_key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder<'k>, Error> {
        Ok(MapBuilder {
            keys: self.keys,
            fields: true,
            entries: Vec::with_capacity(len),
            pending_key: None,
            variant: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapBuilder<'k>, Error> {
        Ok(MapBuilder {
            keys: self.keys,
            fields: true,
            entries: Vec::new(),
            pending_key: None,
            variant: Some(variant),
        })
    }
}

struct SeqBuilder<'k> {
    keys: &'k mut Keys,
    items: Vec<Value>,
    variant: Option<&'static str>,
}

impl SeqBuilder<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let item = value.serialize(ValueSerializer { keys: self.keys })?;
        self.items.push(item);
        Ok(())
    }

    fn finish(self) -> Value {
        let array = if self.items.is_empty() {
            self.keys.empty_array()
        } else {
            Value::from(self.items)
        };
        match self.variant {
            Some(variant) => Value::from(BTreeMap::from([(self.keys.variant(variant), array)])),
            None => array,
        }
    }
}

/// Sequences, tuples and tuple structs (and their variants) all become arrays.
macro_rules! array_builder {
    ($($trait:ident :: $method:ident),* $(,)?) => {$(
        impl ser::$trait for SeqBuilder<'_> {
            type Ok = Value;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.push(value)
            }
            fn end(self) -> Result<Value, Error> {
                Ok(self.finish())
            }
        }
    )*};
}

array_builder!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

struct MapBuilder<'k> {
    keys: &'k mut Keys,
    /// Whether the entries are struct fields, whose keys are the shared strings of
    /// [`Keys::field`] (a map's keys are any values).
    fields: bool,
    /// Entries in the order serde gives them; sorted once at the end, which is cheaper than a
    /// search per insertion.
    entries: Vec<(Value, Value)>,
    pending_key: Option<Value>,
    variant: Option<&'static str>,
}

impl MapBuilder<'_> {
    /// Sorts the entries by key: a struct's fields in the order found for the first object of
    /// the same shape (a sort costs a hundred string comparisons per certificate).
    fn sort(&mut self) {
        let shape = if self.fields {
            key_addresses(&self.entries)
        } else {
            None
        };
        let Some((hash, keys)) = shape else {
            self.entries.sort_by(|(a, _), (b, _)| key_order(a, b));
            return;
        };
        if let Some(shape) = self.keys.shapes.get(&hash).filter(|shape| shape.keys == keys) {
            permute(&mut self.entries, &shape.sorted);
            return;
        }
        let mut sorted: Vec<usize> = (0..self.entries.len()).collect();
        sorted.sort_by(|&a, &b| key_order(&self.entries[a].0, &self.entries[b].0));
        permute(&mut self.entries, &sorted);
        if self.keys.shapes.len() < SHAPES_MAX {
            self.keys.shapes.insert(hash, Shape { keys, sorted });
        }
    }

    fn finish(mut self) -> Value {
        // Sorted first, stably, so that the sort inside `from_iter` finds the entries in order;
        // it builds the tree in bulk, and a repeated key keeps its last value.
        self.sort();
        let object = Value::from(BTreeMap::from_iter(self.entries));
        match self.variant {
            Some(variant) => Value::from(BTreeMap::from([(self.keys.variant(variant), object)])),
            None => object,
        }
    }
}

impl ser::SerializeMap for MapBuilder<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.pending_key = Some(key.serialize(ValueSerializer { keys: self.keys })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| Error("a map value came without its key".into()))?;
        if matches!(&key, Value::String(name) if self.keys.omits_entry(name)) {
            return Ok(());
        }
        let value = value.serialize(ValueSerializer { keys: self.keys })?;
        self.entries.push((key, value));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let Some(key) = self.keys.field(key) else {
            return Ok(());
        };
        let value = value.serialize(ValueSerializer { keys: self.keys })?;
        self.entries.push((key, value));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for MapBuilder<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

/// Puts `entries` in `order` (indices into `entries`, each once).
fn permute(entries: &mut Vec<(Value, Value)>, order: &[usize]) {
    let mut out = Vec::with_capacity(entries.len());
    for &i in order {
        out.push(std::mem::replace(&mut entries[i], (Value::Null, Value::Null)));
    }
    *entries = out;
}

/// Keys compared as plain strings (keys are strings but for maps keyed by other values).
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.as_bytes().cmp(b.as_bytes()),
        _ => a.cmp(b),
    }
}

/// A hash of the addresses of `entries`' key strings, and the addresses (`None` when a key is
/// not a string).
fn key_addresses(entries: &[(Value, Value)]) -> Option<(u64, Vec<usize>)> {
    let mut hasher = QuickHasher::default();
    let mut keys = Vec::with_capacity(entries.len());
    for (key, _) in entries {
        let Value::String(name) = key else {
            return None;
        };
        let address = Rc::as_ptr(name) as *const u8 as usize;
        hasher.write_usize(address);
        keys.push(address);
    }
    Some((hasher.finish(), keys))
}

/// The JSON form of a regorus value. Sets become arrays (in set order), `undefined` becomes
/// `null`, object keys that are not strings become their JSON text, and numbers print as
/// regorus prints them (`730`, not `730.0`); a number JSON cannot hold (an integer beyond 64
/// bits) becomes its decimal text rather than an error.
pub fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null | Value::Undefined => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => number_json(&n.format_decimal()),
        Value::String(s) => J::String(s.to_string()),
        Value::Array(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Set(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Object(map) => J::Object(
            map.iter_sorted()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => s.to_string(),
                        other => to_json(other).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

pub use crate::findings::{float_json, number_json};

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        KubeletClient,
    }

    #[derive(Serialize)]
    struct Inner {
        n: i64,
        f: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<u32>,
        kind: Kind,
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
        #[serde(flatten)]
        more: BTreeMap<String, bool>,
    }

    #[test]
    fn builds_the_same_value_as_regorus_json_reader() {
        let data = Outer {
            name: "x".into(),
            items: vec![
                Inner {
                    n: 5,
                    f: 730.0,
                    absent: None,
                    kind: Kind::KubeletClient,
                },
                Inner {
                    n: -3,
                    f: 0.9317,
                    absent: None,
                    kind: Kind::KubeletClient,
                },
            ],
            more: BTreeMap::from([("flag".to_string(), true)]),
        };
        let direct = to_value(&data);
        let via_text = Value::from_json_str(&serde_json::to_string(&data).expect("json")).expect("parses");
        assert_eq!(direct, via_text);
        assert_eq!(direct["items"][0]["n"], Value::from(5u64));
        assert_eq!(direct["items"][1]["n"], Value::from(-3i64));
        assert_eq!(direct["items"][0]["kind"], Value::from("kubelet-client"));
        assert_eq!(direct["items"][0]["absent"], Value::Undefined);
    }

    #[test]
    fn objects_of_one_struct_with_different_fields_present_are_each_built_right() {
        // One `Keys` remembers the sorted order per set of fields present: objects with and
        // without the optional field, in turn, must each come out whole and sorted.
        let items: Vec<Inner> = (0..7)
            .map(|i| Inner {
                n: i,
                f: f64::from(i as i32) / 4.0,
                absent: (i % 3 == 1).then_some(i as u32 * 10),
                kind: Kind::KubeletClient,
            })
            .collect();
        let mut keys = Keys::default();
        for item in &items {
            let direct = to_value_with(item, &mut keys);
            let via_text = Value::from_json_str(&serde_json::to_string(item).expect("json")).expect("parses");
            assert_eq!(direct, via_text);
        }
        let last = to_value_with(&items[4], &mut keys);
        assert_eq!(last["absent"], Value::from(40u64));
        assert_eq!(last["n"], Value::from(4u64));
    }

    #[test]
    fn json_numbers_print_like_regorus() {
        assert_eq!(float_json(730.0).to_string(), "730");
        assert_eq!(float_json(93.2).to_string(), "93.2");
        assert_eq!(float_json(-607.0).to_string(), "-607");
        assert_eq!(float_json(f64::NAN), serde_json::Value::Null);
        let big = Value::from_json_str("1e300").expect("parses");
        assert!(to_json(&big).is_number() || to_json(&big).is_string());
        let v = Value::from_json_str(r#"{"a": [1, 2.5, "s", null, true]}"#).expect("parses");
        assert_eq!(to_json(&v), serde_json::json!({"a": [1, 2.5, "s", null, true]}));
    }
}

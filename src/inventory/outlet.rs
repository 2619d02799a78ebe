//! [`Outlet`]: one row of the inventory, read and typed, as the evaluator takes it.

use super::Value;

/// One outlet, read and typed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Outlet {
    /// Its row: the CSV line or YAML item.
    pub row: u64,
    pub id: String,
    pub name: String,
    /// Its type (index into the rulebook's types).
    pub type_: usize,
    /// The type it is graded as: its own, or for a partner outlet the reference type.
    pub grading_type: usize,
    pub claimed: Option<u8>,
    /// Every field's value, by field index.
    pub values: Vec<Value>,
    /// The cells of columns that no field knows, in column order, passed through.
    pub extras: Vec<String>,
    /// How many data errors its row has.
    pub errors: u32,
    /// The cells that could not be read (and so count as missing), by field: what they said.
    pub unreadable: Vec<(usize, String)>,
}

impl Outlet {
    pub fn value(&self, field: usize) -> &Value {
        self.values.get(field).unwrap_or(&Value::Missing)
    }
}

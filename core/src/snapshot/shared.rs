//! Inputs several rules derive from the same snapshot (which indexes must be kept, say),
//! computed once per snapshot, on first use, instead of once per rule.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

#[derive(Clone, Default)]
pub struct Shared {
    values: RefCell<HashMap<TypeId, Rc<dyn Any>>>,
}

impl Shared {
    /// The value of type `T` made for this snapshot, made by `make` the first time.
    pub fn get<T: Any>(&self, make: impl FnOnce() -> T) -> Rc<T> {
        if let Some(v) = self.values.borrow().get(&TypeId::of::<T>()) {
            return Rc::clone(v).downcast::<T>().expect("keyed by its type");
        }
        let v = Rc::new(make());
        self.values
            .borrow_mut()
            .insert(TypeId::of::<T>(), v.clone() as Rc<dyn Any>);
        v
    }

    /// Forget every value (the snapshot changed).
    pub fn clear(&self) {
        self.values.borrow_mut().clear();
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shared({} values)", self.values.borrow().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_per_type() {
        let shared = Shared::default();
        let mut made = 0;
        assert_eq!(
            *shared.get(|| {
                made += 1;
                7u32
            }),
            7
        );
        assert_eq!(
            *shared.get(|| {
                made += 1;
                8u32
            }),
            7
        );
        assert_eq!(*shared.get(|| "text"), "text");
        assert_eq!(made, 1);
        shared.clear();
        assert_eq!(*shared.get(|| 9u32), 9);
    }
}

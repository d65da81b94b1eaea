//! Inputs several rules derive from the same snapshot (which indexes must be kept, say),
//! computed once per snapshot, on first use, instead of once per rule. Rules run on
//! several threads: a value is made by the first rule that asks, the others wait for it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

type Slot = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

#[derive(Default)]
pub struct Shared {
    values: Mutex<HashMap<TypeId, Slot>>,
}

impl Clone for Shared {
    /// A clone shares nothing: it belongs to another snapshot.
    fn clone(&self) -> Shared {
        Shared::default()
    }
}

impl Shared {
    /// The value of type `T` made for this snapshot, made by `make` the first time.
    pub fn get<T: Any + Send + Sync>(&self, make: impl FnOnce() -> T) -> Arc<T> {
        let slot = Arc::clone(
            self.lock()
                .entry(TypeId::of::<T>())
                .or_insert_with(|| Arc::new(OnceLock::new())),
        );
        // made outside the map's lock: making one value may ask for another
        let v = slot.get_or_init(|| Arc::new(make()) as Arc<dyn Any + Send + Sync>);
        Arc::clone(v).downcast::<T>().expect("keyed by its type")
    }

    /// Forget every value (the snapshot changed).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Slot>> {
        // a rule that panicked while holding the lock left the map itself intact
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shared({} values)", self.lock().len())
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

    #[test]
    fn made_once_when_threads_ask_together() {
        let shared = Shared::default();
        let made = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let v = shared.get(|| {
                        made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        42u64
                    });
                    assert_eq!(*v, 42);
                });
            }
        });
        assert_eq!(made.into_inner(), 1);
    }
}

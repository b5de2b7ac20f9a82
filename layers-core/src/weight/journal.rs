//! Which weights a failed call built, so that they can be returned to unbuilt: a build
//! records its weight in the innermost open [`journal`], and a journal whose closure fails
//! hands the ids it collected to its `undo`.

use std::cell::{Cell, RefCell};

use crate::tensor::graph::VarId;

thread_local! {
    /// The weights built since the outermost open [`journal`] began, so that a failed call
    /// can return them to unbuilt.
    static BUILT: RefCell<Vec<VarId>> = const { RefCell::new(Vec::new()) };
    /// How many journals are open on this thread.
    static JOURNALS: Cell<usize> = const { Cell::new(0) };
}

/// Records that the weight `id` was just built, when a [`journal`] is open.
pub(crate) fn note_built(id: VarId) {
    if JOURNALS.with(Cell::get) > 0 {
        BUILT.with(|b| b.borrow_mut().push(id));
    }
}

/// Runs `f` with a journal of the weights it builds; when `f` fails, `undo` gets their ids
/// (nested journals included). Costs two thread-local updates when nothing is built.
pub(crate) fn journal<R, E>(
    f: impl FnOnce() -> Result<R, E>,
    undo: impl FnOnce(&[VarId]),
) -> Result<R, E> {
    struct Close;
    impl Drop for Close {
        fn drop(&mut self) {
            JOURNALS.with(|j| j.set(j.get() - 1));
        }
    }
    let mark = BUILT.with(|b| b.borrow().len());
    JOURNALS.with(|j| j.set(j.get() + 1));
    let close = Close;
    let result = f();
    drop(close);
    let outermost = JOURNALS.with(Cell::get) == 0;
    if result.is_err() {
        let built: Vec<VarId> = BUILT.with(|b| b.borrow_mut().split_off(mark));
        if !built.is_empty() {
            undo(&built);
        }
    } else if outermost {
        BUILT.with(|b| b.borrow_mut().clear());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_journal_hands_back_what_was_built_in_it() {
        let (a, b) = (VarId::fresh(), VarId::fresh());
        let mut undone = Vec::new();
        let result: Result<(), ()> = journal(
            || {
                note_built(a);
                // A nested journal that succeeds keeps its entries for the outer one.
                journal(
                    || {
                        note_built(b);
                        Ok::<(), ()>(())
                    },
                    |_| panic!("nothing failed"),
                )?;
                Err(())
            },
            |built| undone.extend_from_slice(built),
        );
        assert!(result.is_err());
        assert_eq!(undone, vec![a, b]);
        note_built(a); // no journal open: not recorded
        assert!(BUILT.with(|b| b.borrow().is_empty()));
    }
}

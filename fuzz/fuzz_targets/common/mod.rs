//! What the fuzz targets share: the built-in rulebook, and a driver that reads a whole inventory,
//! grades every outlet, builds its report rows, renders every problem, and checks what must always
//! hold.

#![allow(dead_code, reason = "each target uses part of this module")]

use std::io::Cursor;
use std::sync::OnceLock;

use jiff::civil::Date;
use outlet::eval::{Evaluator, rank};
use outlet::inventory::{InputFormat, Inventory};
use outlet::report::outlets::{gaps_rows, grade_columns, grade_row};
use outlet::rulebook::{RuleKind, Rulebook};
use outlet::text::Lang;

/// The canonical header: prepended to some inputs so that the fuzzer spends its time in the rows.
pub const HEADER: &str = "网点编号,网点名称,省,市,县,乡镇街道,行政区划代码,网点类型,参照类型,申报级别,\
信息发布栏,线上发布渠道,信息更新日期,自助查询机,经办窗口数,专职人员数,兼职人员数,电脑数,业务系统接入,\
服务空间,服务空间面积,家门口就业服务站,党建引领,年度工作经费,专项经费,服务事项及管理制度,专业设备,服务项目,备注\n";

/// How many outlets of one input are graded: inputs are small, so this only guards against a
/// reader that never ends.
const MAX_OUTLETS: usize = 100_000;

pub fn builtin() -> &'static Rulebook {
    static BOOK: OnceLock<Rulebook> = OnceLock::new();
    BOOK.get_or_init(|| match Rulebook::builtin() {
        Ok(b) => b,
        Err(e) => panic!("the built-in rulebook does not load: {e}"),
    })
}

pub fn as_of() -> Date {
    Date::constant(2025, 11, 30)
}

/// Reads `bytes` as an inventory in `format` graded by `book`, and exercises everything
/// downstream of the reader. Panics (the fuzzer's finding) when an invariant breaks.
pub fn drive(bytes: Vec<u8>, format: InputFormat, book: &Rulebook) {
    let Ok(mut inventory) =
        Inventory::from_reader(Box::new(Cursor::new(bytes)), format, "fuzz", book)
    else {
        return;
    };
    let ev = Evaluator::new(book, as_of());
    let (columns, _) = grade_columns(&inventory.extra_headers());
    let width = columns.len();
    let mut problems = Vec::new();
    let mut outlets = 0;
    while let Ok(Some(outlet)) = inventory.next_outlet(&mut problems) {
        outlets += 1;
        assert!(outlets <= MAX_OUTLETS, "the reader does not end");
        let a = ev.assess(&outlet);
        assert_eq!(a.outcomes.len(), book.rules.len());
        if let Some(g) = a.assessed {
            assert!((1..=4).contains(&g), "assessed grade {g}");
        }
        // The gap list to a grade is empty exactly when the outlet reaches it.
        for target in 1..=4u8 {
            let required = ev
                .gaps(&a, Some(target))
                .into_iter()
                .filter(|&i| book.rules[i].kind == RuleKind::Required)
                .count();
            assert_eq!(
                required == 0,
                rank(a.assessed) <= target,
                "required gaps to grade {target}: {required}, assessed {:?}",
                a.assessed
            );
        }
        // The brief assessment (`summary`, `grade` in CSV) agrees with the whole one, and so
        // does `gaps`' in CSV (the brief, then the rules on the way to the target).
        assert_eq!(ev.brief(&outlet), a.brief());
        assert_eq!(ev.standing(&outlet), a.brief().standing());
        for target in [None, Some(1), Some(2), Some(3), Some(4)] {
            let whole: Vec<_> = (ev.gaps(&a, target).into_iter())
                .map(|i| (i, a.outcomes[i]))
                .collect();
            assert_eq!(ev.brief_gaps(&outlet, target), (a.brief(), whole));
        }
        let row = grade_row(&ev, &outlet, &a);
        assert_eq!(row.len(), width, "a grade row has as many cells as columns");
        for lang in [Lang::Zh, Lang::En] {
            for gap in gaps_rows(&ev, &outlet, &a, None, lang) {
                assert!(!gap.is_empty());
            }
        }
    }
    for p in &problems {
        let _ = p.render(Lang::Zh);
        let _ = p.render(Lang::En);
    }
}

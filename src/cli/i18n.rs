//! The command line in its users' language. clap has no runtime translation, so the language is
//! found before clap parses ([`scan_lang`]: `--lang`, wherever it stands, else `OUTLET_LANG`), and
//! one table of Chinese and English texts ([`TABLE`]) is applied to the built command: every
//! command's description, every argument's help and values, the headings and the usage line.
//! clap's argument errors are rendered in Chinese from their kind and context ([`render_error`]).

use std::error::Error as _;
use std::ffi::OsString;
use std::fmt;

use clap::builder::PossibleValue;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};
use jiff::civil::Date;

use super::Cli;
use crate::text::Lang;

/// One text of the command line: what it describes (see [`lookup`]) and its two languages.
pub struct Entry {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn e(key: &'static str, zh: &'static str, en: &'static str) -> Entry {
    Entry { key, zh, en }
}

/// Every text of the command line. Keys: `cmd:PATH` a command's description (PATH is `outlet`
/// for the top, else the command's words after `outlet`); `after:PATH` the text after its help;
/// `PATH/ID` or `ID` an argument's help (the first found); `PATH/ID=VALUE` or `ID=VALUE` a value's.
pub const TABLE: &[Entry] = &[
    e(
        "cmd:outlet",
        "基层公共就业服务网点分类分级评定工具:按《基层公共就业服务网点分类分级建设工作指引》(2025)评定网点",
        "Grade grassroots public employment-service outlets against the 2025 national guideline",
    ),
    e(
        "after:outlet",
        "退出码: 0 每个网点都达到其类型的最低要求,且没有数据问题;1 有发现(有网点低于最低要求,或有数据问题;见 --fail-on);2 无法运行。",
        "Exit codes: 0 every outlet meets its minimum and no data problems; 1 findings (an outlet below its minimum, or data problems; see --fail-on); 2 could not run.",
    ),
    e(
        "cmd:grade",
        "评定每个网点:评定级别、其类型的最低要求、申报级别和状态",
        "Grade every outlet: assessed grade, minimum for its type, claim and status",
    ),
    e(
        "cmd:gaps",
        "逐条列出每个网点达到下一级(或 --target)还缺什么",
        "List what each outlet lacks to reach the next grade (or --target), rule by rule",
    ),
    e(
        "cmd:explain",
        "显示一个网点在每一级的每条规则,以及读到的值",
        "Show every rule of every grade for one outlet, with the values read",
    ),
    e(
        "cmd:summary",
        "按地区(或类型)统计:各类型各级别的网点数、达标比例,以及地区层面的结构检查",
        "Per region (or type): outlets by type and grade, shares, and region-level structure checks",
    ),
    e(
        "cmd:diff",
        "比较两份清单(例如两个年度):升级、降级及其原因、新增、撤销",
        "Compare two inventories (two years, say): upgraded, downgraded and why, new, closed",
    ),
    e(
        "cmd:rules",
        "列出、解释、检查、显示规则集,以及它对指引的覆盖情况",
        "List, explain, check, show a rulebook, and its coverage of the guideline",
    ),
    e(
        "cmd:rules list",
        "列出每条规则:编号、级别、类别、条款、标题",
        "Every rule: id, grade, kind, article, title",
    ),
    e(
        "cmd:rules explain",
        "解释一条规则:检查什么、为什么、条款原文、通过和不通过的取值",
        "One rule: what it checks, why, the article's words, values that pass and fail",
    ),
    e(
        "cmd:rules check",
        "校验规则集,一次报告全部问题(有问题时退出码为 2)",
        "Validate a rulebook, reporting every problem at once (exit 2 on any)",
    ),
    e(
        "cmd:rules show",
        "以 YAML 显示规则集:原样的文件,或加 --resolved 显示叠加后的有效规则集",
        "The rulebook as YAML: the file as written, or with --resolved the effective rulebook after overlays",
    ),
    e(
        "cmd:rules coverage",
        "规则集覆盖了指引第三至九章的哪些条款、哪些未覆盖及原因,哪些规则解释了含糊的措辞",
        "Which articles of chapters 3-9 the rulebook encodes, which it leaves out and why, and which rules interpret vague wording",
    ),
    e(
        "cmd:template",
        "生成空白清单,包含规则集评定所用的每一列",
        "Write a blank inventory with every column the rulebook grades on",
    ),
    e(
        "cmd:completions",
        "输出命令行补全脚本(写到标准输出)",
        "Print a shell completion script (on standard output)",
    ),
    e(
        "cmd:man",
        "输出 man 手册页(roff 格式,写到标准输出)",
        "Print the man page (roff, on standard output)",
    ),
    e(
        "cmd:help",
        "显示本帮助,或指定命令的帮助",
        "Print this message or the help of the given command",
    ),
    e(
        "help",
        "显示帮助(-h 为摘要,--help 为详细)",
        "Print help (-h a summary, --help in full)",
    ),
    e("version", "显示版本", "Print version"),
    e(
        "subcommand",
        "要查看帮助的命令",
        "The command to print the help of",
    ),
    e(
        "lang",
        "输出语言(也可用环境变量 OUTLET_LANG 设置)",
        "Output language (also set by the environment variable OUTLET_LANG)",
    ),
    e("lang=zh", "中文", "Chinese"),
    e("lang=en", "英文", "English"),
    e(
        "inventory",
        "网点清单: CSV(UTF-8、带 BOM 的 UTF-8 或 GBK)、YAML 或工作簿(.xlsx、.xls、.ods);`-` 表示从标准输入读取",
        "The inventory: CSV (UTF-8, UTF-8 with BOM or GBK), YAML or a workbook (.xlsx, .xls, .ods); `-` reads standard input",
    ),
    e(
        "annotate",
        "把工作簿清单复制一份写到 --output,在每个网点的行后加上级别、最低要求、状态、缺项和数据问题",
        "Write a copy of the workbook inventory to --output with each outlet's grade, minimum, status, gaps and data problems in columns added to its row",
    ),
    e(
        "target",
        "要达到的级别(一级…四级、1…4、1级…4级);默认为每个网点的下一级",
        "The grade to reach (一级…四级, 1…4, 1级…4级); by default each outlet's next grade",
    ),
    e("explain/id", "网点编号", "The outlet's id (网点编号)"),
    e("by", "分组依据", "What to group by"),
    e("by=province", "省", "Province"),
    e("by=city", "市", "City"),
    e("by=county", "县(市、区)", "County"),
    e("by=township", "乡镇街道", "Township"),
    e("by=type", "网点类型", "Outlet type"),
    e("diff/by", "按什么统计变化", "What to count changes by"),
    e("old", "较早的清单", "The earlier inventory"),
    e("new", "较晚的清单", "The later inventory"),
    e(
        "old_as_of",
        "较早清单的评定日期(默认: --as-of 之前一年);日期写法同清单单元格",
        "The date to grade the earlier inventory as of (default: one year before --as-of); any full date a cell accepts",
    ),
    e(
        "rules",
        "评定所用的规则集(YAML,完整的或叠加的);不给出时用内置规则集",
        "The rulebook to grade with (YAML, whole or an overlay); the built-in one when absent",
    ),
    e(
        "as_of",
        "评定日期(默认: 今天);写法同清单单元格: 2025-11-30、2025/11/30、2025.11.30、2025年11月30日、20251130",
        "The date to grade as of (default: today); as a cell writes it: 2025-11-30, 2025/11/30, 2025.11.30, 2025年11月30日, 20251130",
    ),
    e(
        "rules explain/as_of",
        "示例所依据的日期(默认: 今天);写法同清单单元格",
        "The date the examples are built for (default: today); any full date a cell accepts",
    ),
    e("format", "输出格式", "Output format"),
    e(
        "format=table",
        "终端里的对齐表格",
        "An aligned table for the terminal",
    ),
    e(
        "format=csv",
        "逗号分隔值,带表头行",
        "Comma-separated values with a header row",
    ),
    e("format=json", "一个 JSON 文档", "One JSON document"),
    e(
        "format=markdown",
        "Markdown 表格",
        "GitHub-flavoured Markdown tables",
    ),
    e(
        "format=html",
        "一个自包含的 HTML 页面,带图表和可排序、可筛选的表格",
        "One self-contained HTML page with charts and a sortable, filterable table",
    ),
    e(
        "format=xlsx",
        "Excel 工作簿,每个表一个工作表(须用 --output 指定文件)",
        "An Excel workbook, one sheet per table (needs --output)",
    ),
    e(
        "rules check/format",
        "输出格式(问题清单没有 html 和 xlsx 格式)",
        "Output format (a list of problems has no html or xlsx form)",
    ),
    e(
        "rules check/format=table",
        "每个问题一行",
        "One problem a line",
    ),
    e(
        "rules check/format=markdown",
        "Markdown 列表",
        "A Markdown list",
    ),
    e(
        "rules check/format=csv",
        "逗号分隔值,带表头行",
        "Comma-separated values with a header row",
    ),
    e(
        "rules check/format=json",
        "一个 JSON 文档",
        "One JSON document",
    ),
    e(
        "rules check/file",
        "要检查的规则集文件",
        "The rulebook to check",
    ),
    e(
        "rules explain/id",
        "规则编号,例如 G3-WINDOW",
        "The rule id, such as G3-WINDOW",
    ),
    e(
        "resolved",
        "显示叠加后的有效规则集,而不是原样的文件",
        "Show the effective rulebook after overlays instead of the file as written",
    ),
    e(
        "output",
        "把报告写到 FILE 而不是标准输出(文件要么完整写入、要么不写;设备或命名管道随报告生成而写入)",
        "Write the report to FILE instead of standard output (a file is written whole or not at all; a device or a named pipe is written as the report is made)",
    ),
    e(
        "rules/rules",
        "规则集(YAML,完整的或叠加的);不给出时用内置规则集",
        "The rulebook (YAML, whole or an overlay); the built-in one when absent",
    ),
    e(
        "rules/output",
        "写到 FILE 而不是标准输出",
        "Write to FILE instead of standard output",
    ),
    e(
        "template/output",
        "写到 FILE 而不是标准输出(CSV 的列说明写到旁边的第二个文件)",
        "Write to FILE instead of standard output (a CSV's column notes go to a second file beside it)",
    ),
    e(
        "template/rules",
        "取用其列的规则集;不给出时用内置规则集",
        "The rulebook whose columns to use; the built-in one when absent",
    ),
    e("template/format", "模板格式", "Template format"),
    e(
        "template/format=csv",
        "一行表头;用 --output 时,列说明写到旁边的第二个文件",
        "A header row; with --output, the column notes go to a second file beside it",
    ),
    e(
        "template/format=yaml",
        "YAML 清单,带一个加了注释的空白网点",
        "A YAML inventory with one commented blank outlet",
    ),
    e(
        "template/format=xlsx",
        "Excel 工作簿: 带下拉列表的表头行,以及逐列说明的工作表",
        "An Excel workbook: the header row with drop-down lists, and a sheet explaining each column",
    ),
    e(
        "fail_on",
        "什么情况算作发现,使退出码为 1",
        "What counts as a finding that makes the run exit 1",
    ),
    e(
        "fail_on=below-minimum",
        "有网点低于其最低要求,或有数据错误(默认)",
        "An outlet below its minimum grade, or a data error (the default)",
    ),
    e(
        "fail_on=overclaimed",
        "同 below-minimum,另加申报级别高于评定级别的网点",
        "As below-minimum, and also an outlet that claims more than it reaches",
    ),
    e(
        "fail_on=never",
        "从不: 运行完成即退出码 0",
        "Nothing: exit 0 whenever the run completes",
    ),
    e(
        "input_format",
        "文件名看不出清单格式时指定(标准输入按 CSV 读取)",
        "The inventory's format, when its file name does not tell (standard input is read as CSV)",
    ),
    e("input_format=csv", "CSV 文本", "CSV text"),
    e("input_format=yaml", "YAML 清单", "A YAML inventory"),
    e(
        "input_format=xlsx",
        "工作簿: .xlsx、.xlsm、.xlsb、.xls 或 .ods(按内容区分)",
        "A workbook: .xlsx, .xlsm, .xlsb, .xls or .ods (told apart by content)",
    ),
    e(
        "waivers",
        "已批准的豁免(YAML 或 CSV,列为 `outlet`、`rule`、`reason`、`approved_by`、`expires`)",
        "Approved waivers (YAML or CSV: outlet, rule, reason, approved_by, expires)",
    ),
    e(
        "divisions",
        "官方区划代码表(国家统计局统计用区划代码,CSV,列为 统计用区划代码 和 名称,或 code 和 name):每个网点的区划代码须在表中、与其类型的层级相符,地区名称须为官方名称(数据警告)",
        "The official division list (the statistics bureau's 统计用区划代码 table, CSV with columns 统计用区划代码 and 名称, or code and name): each outlet's division code must be in it, at the level of its type, and its region names must be the official ones (data warnings)",
    ),
    e(
        "sheet",
        "工作簿清单中要读取的工作表(默认: 第一个可见的工作表)",
        "The sheet to read in a workbook inventory (default: the first visible one)",
    ),
    e(
        "excel",
        "供 Excel 打开的 CSV: 带 BOM 的 UTF-8、CRLF 换行,Excel 会当作公式的单元格前加 `'`(即 --format csv)",
        "CSV for Excel: UTF-8 with a byte-order mark and CRLF line ends, a cell that Excel would run as a formula prefixed with `'` (implies --format csv)",
    ),
    e(
        "threads",
        "读取和评定所用的线程数(默认: 每个核一个);报告与线程数无关",
        "Threads to read and grade with (default: one per core); the report is the same whatever the number",
    ),
    e("shell", "补全脚本所用的 shell", "The shell to complete in"),
    e("shell=bash", "Bash", "Bash"),
    e("shell=zsh", "Zsh", "Zsh"),
    e("shell=fish", "Fish", "Fish"),
    e("shell=powershell", "PowerShell", "PowerShell"),
    e("shell=elvish", "Elvish", "Elvish"),
    e(
        "man/command",
        "要输出其手册页的命令(例如 grade 或 rules check);不给出时为 outlet 本身",
        "The command whose page to print (grade, or rules check, say); outlet itself when absent",
    ),
];

/// The entry for `key` in [`TABLE`].
fn entry(key: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.key == key)
}

/// The entry of an argument or value `key` of command `path`: `PATH/KEY`, else that of its
/// parent command, else `KEY`.
fn lookup(path: &str, key: &str) -> Option<&'static Entry> {
    let mut p = path;
    loop {
        if let Some(e) = entry(&format!("{p}/{key}")) {
            return Some(e);
        }
        match p.rsplit_once(' ') {
            Some((parent, _)) => p = parent,
            None => return entry(key),
        }
    }
}

fn pick(e: &Entry, lang: Lang) -> &'static str {
    lang.pick(e.zh, e.en)
}

/// The language of the run, before clap parses: `--lang X` or `--lang=X` wherever it stands
/// before `--` (after `--help` too), else `OUTLET_LANG` (`en`, `en_US.UTF-8` …), else Chinese.
pub fn scan_lang(args: &[OsString]) -> Lang {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let Some(a) = a.to_str() else { continue };
        if a == "--" {
            break;
        }
        let value = if a == "--lang" {
            it.next().and_then(|v| v.to_str())
        } else {
            a.strip_prefix("--lang=")
        };
        if let Some(lang) = value.and_then(lang_named) {
            return lang;
        }
    }
    std::env::var("OUTLET_LANG")
        .ok()
        .and_then(|v| lang_named(&v))
        .unwrap_or_default()
}

/// `zh`, `en`, or a locale name that starts with either (`en_US.UTF-8`).
fn lang_named(s: &str) -> Option<Lang> {
    let s = s.trim().to_ascii_lowercase();
    if s.starts_with("en") {
        Some(Lang::En)
    } else if s.starts_with("zh") {
        Some(Lang::Zh)
    } else {
        None
    }
}

/// The command line in `lang`, built.
pub fn command(lang: Lang) -> Command {
    let mut cmd = Cli::command();
    cmd.build();
    localize(cmd, "", lang, &mut Vec::new())
}

/// The texts the table lacks for the command line: none, or the keys to add.
pub fn untranslated() -> Vec<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut missing = Vec::new();
    localize(cmd, "", Lang::Zh, &mut missing);
    missing
}

fn localize(mut cmd: Command, parent: &str, lang: Lang, missing: &mut Vec<String>) -> Command {
    let path = match parent {
        "" => "outlet".to_string(),
        "outlet" => cmd.get_name().to_string(),
        p => format!("{p} {}", cmd.get_name()),
    };
    // The commands under `help` (`outlet help rules check`) are described as the commands.
    let about_key = if cmd.get_name() == "help" {
        "cmd:help".to_string()
    } else {
        let words: Vec<&str> = path.split(' ').filter(|w| *w != "help").collect();
        format!("cmd:{}", words.join(" "))
    };
    match entry(&about_key) {
        Some(e) => cmd = cmd.about(pick(e, lang)).long_about(None::<&str>),
        None => missing.push(about_key),
    }
    if let Some(e) = entry(&format!("after:{path}")) {
        cmd = cmd.after_help(pick(e, lang)).after_long_help(None::<&str>);
    }
    let (options, arguments, commands) = headings(lang);
    let mut arg_missing = Vec::new();
    cmd = cmd
        .mut_args(|a| localize_arg(a, &path, lang, options, arguments, &mut arg_missing))
        .subcommand_help_heading(commands);
    missing.extend(arg_missing);
    if lang == Lang::Zh {
        let usage = cmd.render_usage().to_string();
        let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
        // The usage line of the help, written in; an error's usage line, which names the
        // arguments given, is translated as it is rendered.
        let template = format!(
            "{{about-with-newline}}\n用法: {}\n\n{{all-args}}{{after-help}}",
            zh_usage(usage)
        );
        cmd = cmd.help_template(template);
    }
    let subs: Vec<Command> = cmd.get_subcommands().cloned().collect();
    for sub in subs {
        let name = sub.get_name().to_string();
        let localized = localize(sub, &path, lang, missing);
        cmd = cmd.mut_subcommand(name, |_| localized);
    }
    cmd
}

/// The headings of options, arguments and commands.
fn headings(lang: Lang) -> (&'static str, &'static str, &'static str) {
    match lang {
        Lang::Zh => ("选项", "参数", "命令"),
        Lang::En => ("Options", "Arguments", "Commands"),
    }
}

fn zh_usage(usage: &str) -> String {
    usage
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>")
        .replace("[COMMAND]", "[命令]")
}

fn localize_arg(
    a: Arg,
    path: &str,
    lang: Lang,
    options: &'static str,
    arguments: &'static str,
    missing: &mut Vec<String>,
) -> Arg {
    let id = a.get_id().as_str().to_string();
    let heading = if a.is_positional() {
        arguments
    } else {
        options
    };
    // Under a heading of its own clap lists arguments by name: positional ones keep their order
    // (`diff <OLD> <NEW>`, not NEW first).
    let order = a.get_index().filter(|_| a.is_positional());
    let a = match order {
        Some(i) => a.help_heading(heading).display_order(i),
        None => a.help_heading(heading),
    };
    let Some(entry) = lookup(path, &id) else {
        missing.push(format!("{path}/{id}"));
        return a;
    };
    let text = pick(entry, lang);
    let takes_values = a.get_action().takes_values();
    let values: Vec<PossibleValue> = if takes_values {
        a.get_possible_values()
            .into_iter()
            .filter(|v| !v.is_hide_set())
            .collect()
    } else {
        Vec::new()
    };
    let default: Vec<String> = if takes_values && !matches!(a.get_action(), ArgAction::SetTrue) {
        a.get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect()
    } else {
        Vec::new()
    };
    let (default_word, values_word, values_title) = match lang {
        Lang::Zh => ("默认", "可选值", "可选值"),
        Lang::En => ("default", "possible values", "Possible values"),
    };
    let mut short = text.to_string();
    if !default.is_empty() {
        short.push_str(&format!(" [{default_word}: {}]", default.join(", ")));
    }
    let mut long = short.clone();
    if !values.is_empty() {
        let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
        short.push_str(&format!(" [{values_word}: {}]", names.join(", ")));
        long.push_str(&format!("\n\n{values_title}:"));
        for v in &values {
            let key = format!("{id}={}", v.get_name());
            if let Some(e) = lookup(path, &key) {
                long.push_str(&format!("\n- {}: {}", v.get_name(), pick(e, lang)));
            } else {
                missing.push(format!("{path}/{key}"));
                long.push_str(&format!("\n- {}", v.get_name()));
            }
        }
    }
    a.help(short)
        .long_help(long)
        .hide_default_value(true)
        .hide_possible_values(true)
}

/// A value on the command line that could not be read, told in both languages.
#[derive(Debug)]
pub struct ValueError {
    pub zh: String,
    pub en: String,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for ValueError {}

/// `--as-of`, `--old-as-of`: a full date in any spelling a cell accepts.
pub fn parse_date_arg(s: &str) -> Result<Date, ValueError> {
    crate::inventory::cell::parse_full_date(s).ok_or_else(|| ValueError {
        zh: "应为完整的日期,如 2025-11-30、2025/11/30、2025年11月30日 或 20251130".into(),
        en: "expected a full date, such as 2025-11-30, 2025/11/30, 2025年11月30日 or 20251130"
            .into(),
    })
}

/// `--target`: a grade as 申报级别 accepts it (一级…四级, 1…4, 1级…4级).
pub fn parse_grade_arg(s: &str) -> Result<u8, ValueError> {
    // Full-width digits (`２级`) as their half-width selves.
    let folded: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        })
        .collect();
    crate::inventory::cell::parse_grade(&folded).ok_or_else(|| ValueError {
        zh: "应为级别: 一级…四级、1…4 或 1级…4级".into(),
        en: "expected a grade: 一级…四级, 1…4 or 1级…4级".into(),
    })
}

/// `--threads`: a whole number of at least 1.
pub fn parse_threads(s: &str) -> Result<usize, ValueError> {
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ValueError {
            zh: "应为不小于 1 的整数".into(),
            en: "expected a whole number of at least 1".into(),
        })
}

/// A clap error in `lang`: in English as clap words it; in Chinese from its kind and context,
/// with clap's suggestions and the usage line.
pub fn render_error(e: &clap::Error, lang: Lang) -> String {
    if lang == Lang::En || !e.use_stderr() {
        return e.render().to_string();
    }
    let string = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join("、")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let strings = |k: ContextKind| match e.get(k) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let arg = string(ContextKind::InvalidArg).unwrap_or_default();
    let value = string(ContextKind::InvalidValue).unwrap_or_default();
    let mut tips = Vec::new();
    let message = match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => format!("`{arg}` 需要一个值,但没有给出"),
        ErrorKind::InvalidValue => {
            let valid = strings(ContextKind::ValidValue);
            if !valid.is_empty() {
                tips.push(format!("可选值: {}", quoted(&valid)));
            }
            format!("`{value}` 不是 `{arg}` 的有效值")
        }
        ErrorKind::ValueValidation => {
            let why = e
                .source()
                .and_then(|s| s.downcast_ref::<ValueError>())
                .map(|v| format!(": {}", v.zh))
                .unwrap_or_default();
            format!("`{value}` 不是 `{arg}` 的有效值{why}")
        }
        ErrorKind::UnknownArgument => {
            if let Some(ContextValue::Bool(true)) = e.get(ContextKind::TrailingArg) {
                tips.push(format!(
                    "若要把 `{arg}` 当作值,请写在 `--` 之后: `-- {arg}`"
                ));
            }
            format!("未知选项或多余的参数 `{arg}`")
        }
        ErrorKind::InvalidSubcommand => format!(
            "未知命令 `{}`",
            string(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::NoEquals => format!("`{arg}` 的值须用等号给出(`{arg}=值`)"),
        ErrorKind::TooManyValues => format!("`{arg}` 不接受更多的值,`{value}` 是多余的"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!(
            "`{arg}` 需要 {} 个值,给出了 {} 个",
            string(ContextKind::ExpectedNumValues)
                .or_else(|| string(ContextKind::MinValues))
                .unwrap_or_default(),
            string(ContextKind::ActualNumValues).unwrap_or_default()
        ),
        ErrorKind::ArgumentConflict => match string(ContextKind::PriorArg) {
            Some(prior) => format!("`{arg}` 不能与 `{prior}` 同时使用"),
            None => format!("`{arg}` 不能与其他选项同时使用"),
        },
        ErrorKind::MissingRequiredArgument => {
            format!(
                "缺少必需的参数: {}",
                quoted(&strings(ContextKind::InvalidArg))
            )
        }
        ErrorKind::MissingSubcommand => format!("`{arg}` 需要一个子命令"),
        ErrorKind::InvalidUtf8 => "命令行参数不是有效的 UTF-8 文本".to_string(),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return e.render().to_string(),
        _ => "命令行参数无效".to_string(),
    };
    for k in [ContextKind::SuggestedArg, ContextKind::SuggestedValue] {
        if let Some(s) = string(k) {
            tips.push(format!("是否想写 `{s}`?"));
        }
    }
    let commands = strings(ContextKind::SuggestedSubcommand);
    if !commands.is_empty() {
        tips.push(format!("是否想写命令 {}?", quoted(&commands)));
    }
    let mut out = format!("错误: {message}\n");
    for t in tips {
        out.push_str(&format!("\n  提示: {t}\n"));
    }
    if let Some(usage) = string(ContextKind::Usage) {
        let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
        out.push_str(&format!("\n用法: {}\n", zh_usage(usage)));
    }
    out.push_str("\n更多信息请用 `--help` 查看。\n");
    out
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_of_the_command_line_is_in_the_table() {
        assert_eq!(untranslated(), Vec::<String>::new());
    }

    #[test]
    fn every_key_of_the_table_is_used_once() {
        let mut keys: Vec<&str> = TABLE.iter().map(|e| e.key).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is repeated");
    }

    #[test]
    fn lang_is_found_wherever_it_stands() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            scan_lang(&args(&["outlet", "--help", "--lang", "en"])),
            Lang::En
        );
        assert_eq!(
            scan_lang(&args(&["outlet", "grade", "--lang=en", "x"])),
            Lang::En
        );
        assert_eq!(scan_lang(&args(&["outlet", "--lang", "zh"])), Lang::Zh);
    }

    #[test]
    fn dates_and_grades_as_people_write_them() {
        for s in [
            "2025-11-30",
            "2025/11/30",
            "2025年11月30日",
            "20251130",
            "２０２５／１１／３０",
        ] {
            assert_eq!(parse_date_arg(s).ok(), Date::new(2025, 11, 30).ok(), "{s}");
        }
        for s in ["2025-11", "2025年11月", "2025-13-45", "yesterday"] {
            assert!(parse_date_arg(s).is_err(), "{s}");
        }
        for (s, g) in [("一级", 1), ("4", 4), ("2级", 2)] {
            assert_eq!(parse_grade_arg(s).ok(), Some(g), "{s}");
        }
        assert!(parse_grade_arg("5").is_err());
    }
}

-- DuckDB schema of the budget database. Money is 万元 (DOUBLE, cells.unit = '万元'); other values keep their
-- unit (分, %, 人, 辆 …); NULL is a blank cell.
-- One row per cell value in `cells`; the views below are what a person queries.

CREATE TABLE IF NOT EXISTS documents (
    doc_id       VARCHAR PRIMARY KEY,   -- "{year}-{kind}-{scope}-{department}"
    department   VARCHAR NOT NULL,      -- 编制部门 / 编制单位
    region       VARCHAR,
    year         INTEGER NOT NULL,
    kind         VARCHAR NOT NULL,      -- 预算 | 决算
    scope        VARCHAR NOT NULL,      -- 部门 | 单位
    title        VARCHAR,
    aliases      VARCHAR[],             -- short names the document uses for itself (省检察院, 市卫健委)
    identity_source VARCHAR,            -- where department and year were read: document | file name | user
    numeric_cells   INTEGER,            -- numbers in the document's table rows
    recognised_cells INTEGER,           -- … of them in tables of a recognised kind
    warnings     VARCHAR[],             -- what could not be read (skipped tables, pages without text, identity)
    n_lines      INTEGER,
    ingested_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS source_files (
    sha256       VARCHAR PRIMARY KEY,   -- content hash: re-ingesting the same bytes is a no-op
    doc_id       VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    bytes        BIGINT,
    ingested_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS tables (
    doc_id       VARCHAR NOT NULL,
    table_id     INTEGER NOT NULL,      -- order in the document, from 1
    number       VARCHAR,               -- as printed: 表1, 公开03表
    name         VARCHAR NOT NULL,      -- title as printed
    kind         VARCHAR NOT NULL,      -- TableKind key: summary, income, expenditure, ...
    unit         VARCHAR,               -- the table's declared unit (元 / 万元)
    line_start   INTEGER,
    line_end     INTEGER,
    page         INTEGER,
    note         VARCHAR,               -- 备注 / 注 lines
    PRIMARY KEY (doc_id, table_id)
);

CREATE TABLE IF NOT EXISTS cells (
    doc_id         VARCHAR NOT NULL,
    table_id       INTEGER NOT NULL,
    row_index      INTEGER NOT NULL,
    row_label      VARCHAR,             -- the row as printed (name, item, project)
    panel          VARCHAR,             -- side of a side-by-side table: 收入 / 支出, 人员经费 / 公用经费
    subject_code   VARCHAR,             -- digits only: 208, 20807, 2080704; 301, 30101
    subject_level  INTEGER,             -- 1 类, 2 款, 3 项
    subject_parent VARCHAR,
    subject_system VARCHAR,             -- functional | economic
    subject_name   VARCHAR,
    project_name   VARCHAR,
    column_path    VARCHAR NOT NULL,    -- header path, e.g. 财政拨款(补助)/一般公共预算
    measure        VARCHAR,             -- Measure key: total, basic, project, personnel, public, ...
    value          DOUBLE,              -- in `unit`: 万元 for money
    unit           VARCHAR NOT NULL,    -- 万元 (money), 分 (scores), %, 人, 个, 辆 …
    raw            VARCHAR,             -- as printed
    original_value DOUBLE,              -- in the table's own unit
    original_unit  VARCHAR,
    line           INTEGER,             -- source line number
    page           INTEGER
);

CREATE TABLE IF NOT EXISTS sections (
    doc_id       VARCHAR NOT NULL,
    section_id   INTEGER NOT NULL,
    path         VARCHAR NOT NULL,      -- headings joined with " > "
    level        INTEGER,
    title        VARCHAR,
    text         VARCHAR,
    line_start   INTEGER,
    line_end     INTEGER,
    page         INTEGER,
    PRIMARY KEY (doc_id, section_id)
);

CREATE TABLE IF NOT EXISTS passages (
    passage_id   VARCHAR PRIMARY KEY,   -- "{doc_id}#L{start}-{end}"
    doc_id       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,      -- variance_item | project | glossary | paragraph
    section_path VARCHAR,
    text         VARCHAR NOT NULL,
    line_start   INTEGER,
    line_end     INTEGER,
    page         INTEGER
);

-- Expenditure by functional subject (支出功能分类): total / basic / project, per table.
CREATE OR REPLACE VIEW expenditure_by_function AS
SELECT c.doc_id, c.table_id, t.kind AS table_kind, t.name AS table_name,
       c.subject_code, c.subject_level, c.subject_parent, any_value(c.subject_name) AS subject_name,
       max(c.value) FILTER (WHERE c.measure = 'total')   AS total,
       max(c.value) FILTER (WHERE c.measure = 'basic')   AS basic,
       max(c.value) FILTER (WHERE c.measure = 'project') AS project,
       min(c.line) AS line
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE c.subject_system = 'functional' AND c.unit = '万元'
  AND t.kind IN ('expenditure', 'general_expenditure', 'gov_fund', 'state_capital')
GROUP BY ALL;

-- 一般公共预算基本支出 by economic subject (支出经济分类): total / personnel / public.
CREATE OR REPLACE VIEW basic_by_economic AS
SELECT c.doc_id, c.table_id, c.subject_code, c.subject_level, c.subject_parent,
       any_value(c.subject_name) AS subject_name,
       max(c.value) FILTER (WHERE c.measure = 'total')     AS total,
       max(c.value) FILTER (WHERE c.measure = 'personnel') AS personnel,
       max(c.value) FILTER (WHERE c.measure = 'public')    AS public,
       min(c.line) AS line
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE c.subject_system = 'economic' AND t.kind = 'general_basic' AND c.unit = '万元'
GROUP BY ALL;

-- Projects (项目支出): one row per named project.
CREATE OR REPLACE VIEW projects AS
SELECT c.doc_id, c.table_id, c.project_name, c.subject_code, any_value(c.subject_name) AS subject_name,
       max(c.value) FILTER (WHERE c.measure = 'total') AS amount,
       min(c.line) AS line
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE c.project_name IS NOT NULL AND t.kind = 'general_project' AND c.unit = '万元'
GROUP BY ALL;

-- “三公”经费 items: budget and (决算 documents) final amounts.
CREATE OR REPLACE VIEW three_public_items AS
SELECT c.doc_id, c.table_id, c.row_label AS item, c.column_path, c.measure, c.value, c.unit, c.line
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE t.kind = 'three_public';

-- 上年结转结余 items.
CREATE OR REPLACE VIEW carryover_items AS
SELECT c.doc_id, c.table_id, coalesce(c.project_name, c.row_label) AS item,
       max(c.value) FILTER (WHERE c.measure = 'total') AS total,
       min(c.line) AS line
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE t.kind = 'carryover' AND c.unit = '万元'
GROUP BY ALL;

-- Income by source (收入): the 收入 panel of the summary table.
CREATE OR REPLACE VIEW income_by_source AS
SELECT c.doc_id, c.table_id, c.row_label AS source, c.value AS amount, c.line
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE t.kind IN ('summary', 'fiscal_summary') AND c.panel = '收入' AND c.measure = 'total' AND c.unit = '万元';

-- Variance statements of the narrative (比上年预算增加/减少 X 万元，增长/下降 Y%，主要原因是…).
-- Amounts as written (万元, non-negative) with their direction; linked to the 一般公共预算支出 table row.
CREATE TABLE IF NOT EXISTS variances (
    doc_id        VARCHAR NOT NULL,
    seq           INTEGER NOT NULL,     -- order in the document, from 1
    passage_id    VARCHAR,
    subject       VARCHAR NOT NULL,     -- as written: 社会保障和就业支出(类)就业补助(款)社会保险补贴(项)
    subject_code  VARCHAR,              -- functional subject, when linked: 2080704
    amount        DOUBLE,               -- this year's amount (预算数)
    change_amount DOUBLE NOT NULL,      -- 增减额 as written
    change_pct    DOUBLE,               -- 增减率 % as written
    direction     VARCHAR NOT NULL,     -- 增加 | 减少
    reason        VARCHAR,              -- 主要原因
    line_start    INTEGER,
    line_end      INTEGER,
    table_id      INTEGER,              -- linked table (一般公共预算支出情况表 / 公开05表)
    row_index     INTEGER,
    linked_value  DOUBLE,               -- the linked row's total
    agrees        BOOLEAN,              -- amount = linked_value (±0.005); NULL when nothing to compare
    PRIMARY KEY (doc_id, seq)
);

-- 决算 items (年初预算数, 决算数, 完成年初预算的 %, 差异原因), linked to 公开05表.
CREATE TABLE IF NOT EXISTS budget_execution (
    doc_id         VARCHAR NOT NULL,
    seq            INTEGER NOT NULL,
    passage_id     VARCHAR,
    subject        VARCHAR NOT NULL,
    subject_code   VARCHAR,
    initial_budget DOUBLE NOT NULL,     -- 年初预算数
    final_amount   DOUBLE NOT NULL,     -- 决算数
    completion_pct DOUBLE,              -- 完成年初预算的 %
    reason         VARCHAR,             -- 差异原因
    line_start     INTEGER,
    line_end       INTEGER,
    table_id       INTEGER,
    row_index      INTEGER,
    linked_value   DOUBLE,
    agrees         BOOLEAN,
    PRIMARY KEY (doc_id, seq)
);

-- Audit findings (核对结果): narrative amounts vs the cells they describe, recomputed 占比/增长率/完成率,
-- and the tables' own sums. Narrative rows are kept whatever their status; internal checks only when failed.
CREATE TABLE IF NOT EXISTS audit_findings (
    doc_id        VARCHAR NOT NULL,
    seq           INTEGER NOT NULL,     -- order in the document's findings, from 1
    kind          VARCHAR NOT NULL,     -- narrative_vs_table | recomputed_ratio | change_statement | duplicate_value | reason
                                        -- | table_note | parent_sum | total_split | cross_table
    status        VARCHAR NOT NULL,     -- match | rounding (尾差) | mismatch | not_found (coverage, not a problem)
    statement     VARCHAR,              -- the narrative sentence, or the left side of an internal check
    line_start    INTEGER,
    line_end      INTEGER,
    section       VARCHAR,              -- section path (" > "), or the table of an internal check
    stated_value  DOUBLE,               -- as stated (左边)
    unit          VARCHAR,              -- 万元 | %
    table_id      INTEGER,
    table_number  VARCHAR,              -- 表5 / 公开05表
    table_name    VARCHAR,
    row_label     VARCHAR,
    column_path   VARCHAR,              -- the cell's column; for a change, the base compared with (上年预算 …)
    table_value   DOUBLE,               -- the linked cell, or the recomputed figure (右边)
    difference    DOUBLE,               -- stated_value - table_value
    message       VARCHAR,              -- both sides and the arithmetic, in Chinese
    page          INTEGER,              -- PDF page of line_start
    severity      INTEGER,              -- 3 text vs its numbers/tables, 2 tables vs themselves, 1 wording; 0 no problem
    PRIMARY KEY (doc_id, seq)
);

//! Node trees of policy expressions as PostgreSQL 15 stores them in `pg_policy`
//! (`polqual::text`), on a table `(id int, owner_id int, flag boolean)`.

const VAR_ID: &str = "{VAR :varno 1 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 \
                      :varlevelsup 0 :varnosyn 1 :varattnosyn 1 :location 40}";

/// `USING (true)`
pub const TRUE: &str = "{CONST :consttype 16 :consttypmod -1 :constcollid 0 :constlen 1 \
    :constbyval true :constisnull false :location 37 :constvalue 1 [ 1 0 0 0 0 0 0 0 ]}";

/// `WITH CHECK (1=1)`
pub const ONE_EQ_ONE: &str = "{OPEXPR :opno 96 :opfuncid 65 :opresulttype 16 :opretset \
    false :opcollid 0 :inputcollid 0 :args ({CONST :consttype 23 :consttypmod -1 \
    :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 49 \
    :constvalue 4 [ 1 0 0 0 0 0 0 0 ]} {CONST :consttype 23 :consttypmod -1 :constcollid 0 \
    :constlen 4 :constbyval true :constisnull false :location 51 :constvalue 4 \
    [ 1 0 0 0 0 0 0 0 ]}) :location 50}";

/// `USING ('a' = 'a')`
pub const TEXT_EQ: &str = "{OPEXPR :opno 98 :opfuncid 67 :opresulttype 16 :opretset \
    false :opcollid 0 :inputcollid 100 :args ({CONST :consttype 25 :consttypmod -1 \
    :constcollid 100 :constlen -1 :constbyval false :constisnull false :location 38 \
    :constvalue 5 [ 20 0 0 0 97 ]} {CONST :consttype 25 :consttypmod -1 :constcollid 100 \
    :constlen -1 :constbyval false :constisnull false :location 44 :constvalue 5 \
    [ 20 0 0 0 97 ]}) :location 42}";

/// `USING (2 > 1)`
pub const TWO_GT_ONE: &str = "{OPEXPR :opno 521 :opfuncid 147 :opresulttype 16 :opretset \
    false :opcollid 0 :inputcollid 0 :args ({CONST :consttype 23 :consttypmod -1 \
    :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 38 \
    :constvalue 4 [ 2 0 0 0 0 0 0 0 ]} {CONST :consttype 23 :consttypmod -1 :constcollid 0 \
    :constlen 4 :constbyval true :constisnull false :location 42 :constvalue 4 \
    [ 1 0 0 0 0 0 0 0 ]}) :location 40}";

/// `USING (id IS NOT NULL OR id IS NULL)`
pub const NULL_OR_NOT_NULL: &str = "{BOOLEXPR :boolop or :args ({NULLTEST :arg {VAR :varno \
    1 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 \
    :varattnosyn 1 :location 38} :nulltesttype 1 :argisrow false :location 41} {NULLTEST \
    :arg {VAR :varno 1 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 \
    :varnosyn 1 :varattnosyn 1 :location 56} :nulltesttype 0 :argisrow false :location \
    59}) :location 53}";

/// `USING (true OR owner_id = 5)`
pub const TRUE_OR_OWNER: &str = "{BOOLEXPR :boolop or :args ({CONST :consttype 16 \
    :consttypmod -1 :constcollid 0 :constlen 1 :constbyval true :constisnull false \
    :location 38 :constvalue 1 [ 1 0 0 0 0 0 0 0 ]} {OPEXPR :opno 96 :opfuncid 65 \
    :opresulttype 16 :opretset false :opcollid 0 :inputcollid 0 :args ({VAR :varno 1 \
    :varattno 2 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 \
    :varattnosyn 2 :location 46} {CONST :consttype 23 :consttypmod -1 :constcollid 0 \
    :constlen 4 :constbyval true :constisnull false :location 57 :constvalue 4 \
    [ 5 0 0 0 0 0 0 0 ]}) :location 55}) :location 43}";

/// `USING (NOT false)`
pub const NOT_FALSE: &str = "{BOOLEXPR :boolop not :args ({CONST :consttype 16 \
    :consttypmod -1 :constcollid 0 :constlen 1 :constbyval true :constisnull false \
    :location 42 :constvalue 1 [ 0 0 0 0 0 0 0 0 ]}) :location 38}";

/// `USING (owner_id = 5)`
pub const OWNER_IS_5: &str = "{OPEXPR :opno 96 :opfuncid 65 :opresulttype 16 :opretset \
    false :opcollid 0 :inputcollid 0 :args ({VAR :varno 1 :varattno 2 :vartype 23 \
    :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 :varattnosyn 2 :location 38} \
    {CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true \
    :constisnull false :location 49 :constvalue 4 [ 5 0 0 0 0 0 0 0 ]}) :location 47}";

/// `USING (id = id)`: NULL where id is NULL, so not a tautology
pub fn id_eq_id() -> String {
    format!(
        "{{OPEXPR :opno 96 :opfuncid 65 :opresulttype 16 :opretset false :opcollid 0 \
         :inputcollid 0 :args ({VAR_ID} {}) :location 43}}",
        VAR_ID.replace(":location 40", ":location 45")
    )
}

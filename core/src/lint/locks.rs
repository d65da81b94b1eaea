//! Table lock modes a migration statement takes, and what each one blocks.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lock {
    /// `UPDATE`, `DELETE`: row locks on the rows written.
    RowExclusive,
    /// `VALIDATE CONSTRAINT`, `CREATE INDEX CONCURRENTLY`, `VACUUM`: reads and writes go on.
    ShareUpdateExclusive,
    /// `CREATE INDEX`: writes wait.
    Share,
    /// `ADD FOREIGN KEY`, `CREATE TRIGGER`: writes wait.
    ShareRowExclusive,
    /// Most of `ALTER TABLE`, `DROP`, `TRUNCATE`, `VACUUM FULL`: everything waits.
    AccessExclusive,
}

impl Lock {
    pub fn name(self) -> &'static str {
        match self {
            Lock::RowExclusive => "ROW EXCLUSIVE",
            Lock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Lock::Share => "SHARE",
            Lock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Lock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// What waits while the lock is held (or queued for).
    pub fn blocks(self) -> &'static str {
        match self {
            Lock::RowExclusive => "writes of the same rows wait",
            Lock::ShareUpdateExclusive => {
                "reads and writes go on (only other schema changes and VACUUM wait)"
            }
            Lock::Share | Lock::ShareRowExclusive => {
                "every INSERT, UPDATE and DELETE on it waits (reads go on)"
            }
            Lock::AccessExclusive => "every query on it waits (reads too)",
        }
    }

    /// Strong enough that a lock queue behind it stalls the application.
    pub fn strong(self) -> bool {
        self >= Lock::Share
    }
}

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
    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`, `LOCK ... IN EXCLUSIVE MODE`: writes and
    /// row locks wait.
    Exclusive,
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
            Lock::Exclusive => "EXCLUSIVE",
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
            Lock::Share | Lock::ShareRowExclusive | Lock::Exclusive => {
                "every INSERT, UPDATE and DELETE on it waits (reads go on)"
            }
            Lock::AccessExclusive => "every query on it waits (reads too)",
        }
    }

    /// Strong enough that a lock queue behind it stalls the application.
    pub fn strong(self) -> bool {
        self >= Lock::Share
    }

    /// The mode of `LOCK TABLE ... IN <mode> MODE`, by PostgreSQL's lock mode number
    /// (`AccessShareLock` = 1 ... `AccessExclusiveLock` = 8); the weak ones as one.
    pub fn from_mode(mode: i32) -> Lock {
        match mode {
            8 => Lock::AccessExclusive,
            7 => Lock::Exclusive,
            6 => Lock::ShareRowExclusive,
            5 => Lock::Share,
            4 => Lock::ShareUpdateExclusive,
            _ => Lock::RowExclusive,
        }
    }
}

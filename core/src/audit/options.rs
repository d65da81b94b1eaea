//! The user's options against the table's columns: check requested exclusions, and keep
//! stored ones pointing at the same columns after renames.

use super::AuditOptions;

/// A table column: name and `attnum`.
pub type Column = (String, i16);

/// Check requested exclusions against the table and remember their column numbers; the
/// error names the first unknown column.
pub fn resolve_requested(
    mut req: AuditOptions,
    columns: &[Column],
) -> Result<AuditOptions, String> {
    req.exclude_attnums.clear();
    for name in &req.exclude_columns {
        match columns.iter().find(|(n, _)| n == name) {
            Some((_, attnum)) => req.exclude_attnums.push(*attnum),
            None => return Err(name.clone()),
        }
    }
    Ok(req)
}

/// Stored options after DDL: a renamed excluded column is found by its number, a dropped
/// one is forgotten; a name that still exists wins (a restore may have renumbered columns).
/// A stored actor setting that is not a custom setting (the registry was edited by hand)
/// falls back to the default: the regenerated trigger may run with a superuser's rights.
pub fn follow_renames(mut stored: AuditOptions, columns: &[Column]) -> AuditOptions {
    if !super::is_custom_setting(&stored.actor_setting) {
        stored.actor_setting = AuditOptions::default().actor_setting;
    }
    let mut names = Vec::new();
    let mut attnums = Vec::new();
    for (i, name) in stored.exclude_columns.iter().enumerate() {
        let by_name = columns.iter().find(|(n, _)| n == name);
        let by_num = stored
            .exclude_attnums
            .get(i)
            .and_then(|a| columns.iter().find(|(_, n)| n == a));
        if let Some((n, a)) = by_name.or(by_num) {
            if !names.contains(n) {
                names.push(n.clone());
                attnums.push(*a);
            }
        }
    }
    stored.exclude_columns = names;
    stored.exclude_attnums = attnums;
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(list: &[(&str, i16)]) -> Vec<Column> {
        list.iter().map(|(n, a)| (n.to_string(), *a)).collect()
    }

    #[test]
    fn a_hand_edited_actor_setting_falls_back_to_the_default() {
        let stored = |actor: &str| AuditOptions {
            actor_setting: actor.into(),
            ..AuditOptions::default()
        };
        assert_eq!(
            follow_renames(stored("data_directory"), &[]).actor_setting,
            "app.user_id"
        );
        assert_eq!(
            follow_renames(stored("shop.actor"), &[]).actor_setting,
            "shop.actor"
        );
    }

    fn excluding(names: &[&str], attnums: &[i16]) -> AuditOptions {
        AuditOptions {
            exclude_columns: names.iter().map(|s| s.to_string()).collect(),
            exclude_attnums: attnums.to_vec(),
            ..AuditOptions::default()
        }
    }

    #[test]
    fn requested_exclusions_must_exist() {
        let table = cols(&[("id", 1), ("Card No", 3)]);
        let ok = resolve_requested(excluding(&["Card No"], &[]), &table).unwrap();
        assert_eq!(ok.exclude_attnums, [3]);
        assert_eq!(
            resolve_requested(excluding(&["card no"], &[]), &table),
            Err("card no".to_string()),
            "names are exact, not case-folded"
        );
    }

    #[test]
    fn exclusions_follow_renames_and_forget_dropped_columns() {
        // "pw" (attnum 3) renamed to "secret"; "tmp" (attnum 4) dropped
        let after = cols(&[("id", 1), ("name", 2), ("secret", 3)]);
        let o = follow_renames(excluding(&["pw", "tmp"], &[3, 4]), &after);
        assert_eq!(o.exclude_columns, ["secret"]);
        assert_eq!(o.exclude_attnums, [3]);
    }

    #[test]
    fn an_existing_name_wins_over_a_renumbered_attnum() {
        // after a dump and restore, "pw" is attnum 2 and attnum 3 is something else
        let restored = cols(&[("id", 1), ("pw", 2), ("note", 3)]);
        let o = follow_renames(excluding(&["pw"], &[3]), &restored);
        assert_eq!(o.exclude_columns, ["pw"]);
        assert_eq!(o.exclude_attnums, [2]);
    }
}

-- Per-rule settings and active suppressions, from the extension's own tables
-- ({ext} is the extension's schema). Expired suppressions stop applying by themselves.
SELECT 'rule', s.rule, s.enabled::text, s.level::text, NULL::text
FROM {ext}.advisor_rule_settings s
UNION ALL
SELECT 'suppression', s.rule, s.object_identity, s.reason, s.until::text
FROM {ext}.advisor_suppressions s
WHERE s.until IS NULL OR s.until > now()

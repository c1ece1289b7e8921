-- Backup codes stored as hashes only (see sql/sqlite/011_backup_copies_dropped.sql).

ALTER TABLE backup_codes DROP COLUMN code_encrypted;

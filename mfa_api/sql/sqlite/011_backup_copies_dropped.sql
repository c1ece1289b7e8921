-- Backup codes are stored as hashes only (NIST SP 800-63B 5.1.2.2): the encrypted copies that
-- let GET /api/auth/2fa/backup-codes show them again go (010 rehashed the codes from them).

ALTER TABLE backup_codes DROP COLUMN code_encrypted;

-- ConvoCanvas schema, migration 0002: Orleans grain state (AdoNet grain storage).
--
-- A grain's natural key is (service, state name, N0, N1, key extension). Orleans also
-- sends two hashes; they lead the unique index so lookups are selective, but hashes
-- collide, so every query also matches the full key. The extension is NULL for plain
-- Guid and integer keys: it is compared NULL-safely, and the unique constraint treats
-- NULLs as equal (PostgreSQL 15+).
-- Idempotent: safe to run again on a database that already has it.

CREATE TABLE IF NOT EXISTS orleans_grain_state (
    grain_id_hash      integer     NOT NULL,
    grain_type_hash    integer     NOT NULL,
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NULL,
    -- NULL after a clear: the row keeps its version so the next write is checked.
    payload            bytea       NULL,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orleans_grain_state_key UNIQUE NULLS NOT DISTINCT (
        grain_id_hash, grain_type_hash, service_id, grain_type,
        grain_id_n0, grain_id_n1, grain_id_extension)
);

-- Returns the new version, or NULL when the caller's version does not match what is
-- stored (Orleans then raises InconsistentStateException). A NULL p_version means the
-- caller believes no row exists: insert only then, at version 1.
CREATE OR REPLACE FUNCTION orleans_grain_state_write(
    p_grain_id_hash      integer,
    p_grain_id_n0        bigint,
    p_grain_id_n1        bigint,
    p_grain_type_hash    integer,
    p_grain_type         text,
    p_grain_id_extension text,
    p_service_id         text,
    p_version            integer,
    p_payload            bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO orleans_grain_state (
            grain_id_hash, grain_type_hash, service_id, grain_type,
            grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
        VALUES (
            p_grain_id_hash, p_grain_type_hash, p_service_id, p_grain_type,
            p_grain_id_n0, p_grain_id_n1, p_grain_id_extension, p_payload, 1)
        ON CONFLICT ON CONSTRAINT orleans_grain_state_key DO NOTHING
        RETURNING version INTO v_new;
        RETURN v_new;
    END IF;

    UPDATE orleans_grain_state
       SET payload = p_payload,
           version = version + 1,
           modified_at = now()
     WHERE grain_id_hash = p_grain_id_hash
       AND grain_type_hash = p_grain_type_hash
       AND service_id = p_service_id
       AND grain_type = p_grain_type
       AND grain_id_n0 = p_grain_id_n0
       AND grain_id_n1 = p_grain_id_n1
       AND grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
       AND version = p_version
    RETURNING version INTO v_new;
    RETURN v_new;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS PayloadBinary,
       version AS Version
  FROM orleans_grain_state
 WHERE grain_id_hash = @GrainIdHash
   AND grain_type_hash = @GrainTypeHash
   AND service_id = @ServiceId
   AND grain_type = @GrainTypeString
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

('WriteToStorageKey', $q$
SELECT orleans_grain_state_write(
    @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
    @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion
$q$),

-- Clear keeps the row with a NULL payload and a new version (the new ETag). Exactly
-- one row comes back; NULL means a version conflict.
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans_grain_state
       SET payload = NULL,
           version = version + 1,
           modified_at = now()
     WHERE grain_id_hash = @GrainIdHash
       AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId
       AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version
)
SELECT (SELECT version FROM cleared) AS NewGrainStateVersion
$q$),

-- Used with DeleteStateOnClear=true: removes the row; returns a value different from
-- the caller's version (old + 1), or NULL on a version conflict.
('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans_grain_state
     WHERE grain_id_hash = @GrainIdHash
       AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId
       AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version + 1 AS next_version
)
SELECT (SELECT next_version FROM deleted) AS NewGrainStateVersion
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

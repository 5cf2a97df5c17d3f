-- ConvoCanvas schema, migration 0003: Orleans reminders (AdoNet reminder table).
--
-- grain_hash is GrainId.GetUniformHashCode() (a uint) as Orleans binds it: reinterpreted
-- as a signed integer. Signed order keeps the ring's cyclic order, so range reads
-- compare it as stored. period is in milliseconds; Orleans binds an int or, above
-- int.MaxValue, a bigint, and reads it back as a 64-bit integer.
-- Idempotent: safe to run again on a database that already has it.

CREATE TABLE IF NOT EXISTS orleans_reminder (
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period        bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminder_ring ON orleans_reminder (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
-- Unconditional upsert; every change gives a new version (the reminder's ETag).
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminder AS r (
    service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (
    @ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
   SET start_time = EXCLUDED.start_time,
       period = EXCLUDED.period,
       grain_hash = EXCLUDED.grain_hash,
       version = r.version + 1
RETURNING r.version AS Version
$q$),

('ReadReminderRowKey', $q$
SELECT grain_id      AS GrainId,
       reminder_name AS ReminderName,
       start_time    AS StartTime,
       period        AS Period,
       version       AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId
   AND grain_id = @GrainId
   AND reminder_name = @ReminderName
$q$),

('ReadReminderRowsKey', $q$
SELECT grain_id      AS GrainId,
       reminder_name AS ReminderName,
       start_time    AS StartTime,
       period        AS Period,
       version       AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId
   AND grain_id = @GrainId
$q$),

-- Non-wrapping range (begin < end, signed): (begin, end].
('ReadRangeRows1Key', $q$
SELECT grain_id      AS GrainId,
       reminder_name AS ReminderName,
       start_time    AS StartTime,
       period        AS Period,
       version       AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId
   AND grain_hash > @BeginHash
   AND grain_hash <= @EndHash
$q$),

-- Wrapping range (begin >= end, signed); begin = end is the whole ring.
('ReadRangeRows2Key', $q$
SELECT grain_id      AS GrainId,
       reminder_name AS ReminderName,
       start_time    AS StartTime,
       period        AS Period,
       version       AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId
   AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),

('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminder
     WHERE service_id = @ServiceId
       AND grain_id = @GrainId
       AND reminder_name = @ReminderName
       AND version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS deleted
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminder
 WHERE service_id = @ServiceId
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- ConvoCanvas schema, migration 0001: the Orleans query table and cluster membership.
--
-- The Orleans ADO.NET providers read their SQL from OrleansQuery at startup (unquoted,
-- so PostgreSQL folds the name to lowercase) and bind parameters by name. Parameters
-- arrive typed by their CLR type: string -> text, int -> integer, long -> bigint,
-- DateTime (UTC) -> timestamptz. Function arguments below use exactly those types, or
-- PostgreSQL would not find the function.
--
-- Result columns are labelled unquoted; Npgsql matches column names case-insensitively.
-- Idempotent: safe to run again on a database that already has it.

CREATE TABLE IF NOT EXISTS OrleansQuery (
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- One row per cluster (Orleans' "DeploymentId" is the ClusterId). The version is the
-- membership table version that every change must name and advance.
CREATE TABLE IF NOT EXISTS orleans_cluster_version (
    deployment_id text        NOT NULL PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_cluster_member (
    deployment_id   text        NOT NULL REFERENCES orleans_cluster_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    -- Opaque to the database: "silo,date|silo,date" as Orleans writes it.
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Inserts a member only if it is new and the caller saw the current table version;
-- then advances the version. The version row is locked first, so concurrent writers
-- queue up and all but the first see a changed version.
CREATE OR REPLACE FUNCTION orleans_cluster_insert_member(
    p_deployment_id   text,
    p_address         text,
    p_port            integer,
    p_generation      integer,
    p_silo_name       text,
    p_host_name       text,
    p_status          integer,
    p_proxy_port      integer,
    p_start_time      timestamptz,
    p_i_am_alive_time timestamptz,
    p_version         integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_current integer;
BEGIN
    SELECT version INTO v_current
      FROM orleans_cluster_version
     WHERE deployment_id = p_deployment_id
       FOR UPDATE;
    IF v_current IS NULL OR v_current <> p_version THEN
        RETURN false;
    END IF;

    INSERT INTO orleans_cluster_member (
        deployment_id, address, port, generation, silo_name, host_name,
        status, proxy_port, suspect_times, start_time, i_am_alive_time)
    VALUES (
        p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
        p_status, COALESCE(p_proxy_port, 0), NULL, p_start_time, p_i_am_alive_time)
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_cluster_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- Updates status, suspect list and liveness of an existing member if the caller saw the
-- current table version; then advances the version. Both happen, or neither.
CREATE OR REPLACE FUNCTION orleans_cluster_update_member(
    p_deployment_id   text,
    p_address         text,
    p_port            integer,
    p_generation      integer,
    p_status          integer,
    p_suspect_times   text,
    p_i_am_alive_time timestamptz,
    p_version         integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_current integer;
BEGIN
    SELECT version INTO v_current
      FROM orleans_cluster_version
     WHERE deployment_id = p_deployment_id
       FOR UPDATE;
    IF v_current IS NULL OR v_current <> p_version THEN
        RETURN false;
    END IF;

    UPDATE orleans_cluster_member
       SET status = p_status,
           suspect_times = p_suspect_times,
           i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id
       AND address = p_address
       AND port = p_port
       AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_cluster_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_cluster_version (deployment_id, version)
    VALUES (@DeploymentId, 0)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS created
$q$),

-- The version row is outer-joined to the members so that a cluster without members
-- still returns one row (with a NULL StartTime) carrying the table version.
('MembershipReadAllKey', $q$
SELECT v.version         AS Version,
       m.address         AS Address,
       m.port            AS Port,
       m.generation      AS Generation,
       m.silo_name       AS SiloName,
       m.host_name       AS HostName,
       m.status          AS Status,
       m.proxy_port      AS ProxyPort,
       m.suspect_times   AS SuspectTimes,
       m.start_time      AS StartTime,
       m.i_am_alive_time AS IAmAliveTime
  FROM orleans_cluster_version v
  LEFT JOIN orleans_cluster_member m ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
SELECT v.version         AS Version,
       m.address         AS Address,
       m.port            AS Port,
       m.generation      AS Generation,
       m.silo_name       AS SiloName,
       m.host_name       AS HostName,
       m.status          AS Status,
       m.proxy_port      AS ProxyPort,
       m.suspect_times   AS SuspectTimes,
       m.start_time      AS StartTime,
       m.i_am_alive_time AS IAmAliveTime
  FROM orleans_cluster_version v
  LEFT JOIN orleans_cluster_member m
         ON m.deployment_id = v.deployment_id
        AND m.address = @Address
        AND m.port = @Port
        AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId
$q$),

('InsertMembershipKey', $q$
SELECT orleans_cluster_insert_member(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
    @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS inserted
$q$),

('UpdateMembershipKey', $q$
SELECT orleans_cluster_update_member(
    @DeploymentId, @Address, @Port, @Generation,
    @Status, @SuspectTimes, @IAmAliveTime, @Version) AS updated
$q$),

-- Liveness only: no version check and no version change.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_cluster_member
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId
   AND address = @Address
   AND port = @Port
   AND generation = @Generation
$q$),

-- A gateway with ProxyPort 0 would become a gateway URI with port 0.
('GatewaysQueryKey', $q$
SELECT address    AS Address,
       proxy_port AS ProxyPort,
       generation AS Generation
  FROM orleans_cluster_member
 WHERE deployment_id = @DeploymentId
   AND status = @Status
   AND proxy_port > 0
$q$),

-- Fallback used only when CleanupDefunctSiloEntryKey is absent: old entries that are
-- not Active (3).
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_cluster_member
 WHERE deployment_id = @DeploymentId
   AND i_am_alive_time < @IAmAliveTime
   AND status <> 3
$q$),

-- Optional key (read by Orleans 10.4 when present): the provider reads all members,
-- picks Dead (6) ones older than the cutoff, and deletes each one only if the values it
-- saw are still stored, so a row changed in between survives.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_cluster_member
 WHERE deployment_id = @DeploymentId
   AND address = @Address
   AND port = @Port
   AND generation = @Generation
   AND status = 6
   AND start_time = @StartTime
   AND i_am_alive_time = @IAmAliveTime
   AND COALESCE(suspect_times, '') = COALESCE(@SuspectTimes, '')
$q$),

-- Members go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_cluster_version
 WHERE deployment_id = @DeploymentId
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

"""Server-side functions: each hot write in one round trip and one atomic statement.

A lead costs three writes (intent, outcome, result); over a network each SQL
statement is a round trip, and measured on the real pattern the round trips
were most of the client's CPU (benchmarks/bench_pg_drivers.py). So the three
writes are PL/pgSQL functions: the cap check and count (an atomic conditional
upsert per window), the settlement (it mirrors pingpost/store/settle.py; the
shared test suite holds both to the same behaviour), and the result with its
lines. `pp_tally_add` merges two tallies as `Tally.add` does
(pingpost/store/tally.py), so that folding auctions into the rollups
(rollups.py) updates them in place with one upsert.
"""

from __future__ import annotations

TALLY = r"""
CREATE FUNCTION pp_map_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
    FROM (SELECT k, sum(v) AS n
          FROM (SELECT key AS k, value::numeric AS v FROM jsonb_each_text(coalesce(a, '{}'))
                UNION ALL
                SELECT key, value::numeric FROM jsonb_each_text(coalesce(b, '{}'))) AS x
          GROUP BY k) AS y
    WHERE n <> 0
$$;
CREATE FUNCTION pp_span_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN a IS NULL OR a = 'null' THEN b
        WHEN b IS NULL OR b = 'null' THEN a
        ELSE jsonb_build_array(least((a->>0)::numeric, (b->>0)::numeric),
                               greatest((a->>1)::numeric, (b->>1)::numeric)) END
$$;
CREATE FUNCTION pp_tally_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'n', (a->>'n')::bigint + (b->>'n')::bigint,
        'p', (a->>'p')::bigint + (b->>'p')::bigint,
        'a', (a->>'a')::bigint + (b->>'a')::bigint,
        'w', (a->>'w')::bigint + (b->>'w')::bigint,
        'r', ((a->>'r')::numeric + (b->>'r')::numeric)::text,
        'ps', pp_map_add(a->'ps', b->'ps'),
        'e', pp_map_add(a->'e', b->'e'),
        'l', pp_map_add(a->'l', b->'l'),
        'b', pp_map_add(a->'b', b->'b'),
        'lr', pp_span_add(a->'lr', b->'lr'),
        'br', pp_span_add(a->'br', b->'br'),
        'x', CASE WHEN coalesce((a->>'x')::boolean, true) AND coalesce((b->>'x')::boolean, true)
             THEN NULL ELSE false END))
$$;
CREATE FUNCTION pp_add_rollups(levels int[], kinds text[], buckets bigint[], names text[],
                               data jsonb[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO rollups (level, kind, bucket, name, data)
    SELECT l, k, b, n, d FROM unnest(levels, kinds, buckets, names, data) AS x (l, k, b, n, d)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (level, kind, bucket, name)
    DO UPDATE SET data = pp_tally_add(rollups.data, excluded.data)
$$
"""

POST_INTENT = r"""
CREATE FUNCTION pp_post_intent(
    p_auction_id text, p_lead_key text, p_lead_type text, p_source text,
    p_started_at double precision, p_lead bytea, p_account text, p_attempt integer,
    p_sent_at double precision, p_amount numeric, p_key text,
    p_windows text[], p_leads integer[], p_spend numeric[]) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    v_auction bigint;
    v_window text;
    v_used usage%ROWTYPE;
BEGIN
    SELECT id INTO v_auction FROM auctions WHERE auction_id = p_auction_id;
    IF v_auction IS NOT NULL AND EXISTS (SELECT 1 FROM posts WHERE auction = v_auction
            AND account = p_account AND attempt = p_attempt) THEN
        RETURN NULL;  -- written before: a retried call is counted once
    END IF;
    BEGIN  -- every window's count, or none
        FOR i IN 1 .. coalesce(array_length(p_windows, 1), 0) LOOP
            v_window := p_windows[i];
            IF 1 > coalesce(p_leads[i], 1) OR p_amount > coalesce(p_spend[i], p_amount) THEN
                RAISE EXCEPTION USING ERRCODE = 'PP001';
            END IF;
            INSERT INTO usage AS u VALUES (p_account, v_window, 1, p_amount)
            ON CONFLICT (account, cap_window) DO UPDATE
                SET leads = u.leads + 1, spend = u.spend + excluded.spend
                WHERE u.leads + 1 <= coalesce(p_leads[i], u.leads + 1)
                  AND u.spend + excluded.spend <= coalesce(p_spend[i], u.spend + excluded.spend);
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'PP001';
            END IF;
        END LOOP;
    EXCEPTION WHEN SQLSTATE 'PP001' THEN
        SELECT * INTO v_used FROM usage WHERE account = p_account AND cap_window = v_window;
        RETURN ARRAY[v_window, coalesce(v_used.leads, 0)::text, coalesce(v_used.spend, 0)::text];
    END;
    IF v_auction IS NULL THEN
        INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at)
        VALUES (p_auction_id, p_lead_key, p_lead_type, p_source, p_started_at)
        ON CONFLICT (auction_id) DO NOTHING RETURNING id INTO v_auction;
        IF v_auction IS NULL THEN
            SELECT id INTO v_auction FROM auctions WHERE auction_id = p_auction_id;
        ELSE
            INSERT INTO leads VALUES (v_auction, p_lead);
        END IF;
    END IF;
    INSERT INTO posts (auction, account, attempt, sent_at, amount, idempotency_key, windows,
                       counted)
    VALUES (v_auction, p_account, p_attempt, p_sent_at, p_amount, p_key, p_windows, p_amount);
    RETURN NULL;
END
$$
"""

POST_OUTCOME = r"""
CREATE FUNCTION pp_settle(p_seq bigint, p_status text, p_price numeric, p_reason text,
                          p_answered_at double precision, p_dedupe_key text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    p posts%ROWTYPE;
    v_held_before boolean;
    v_held_after boolean;
    v_now numeric;
    v_leads integer := 0;
    v_spend numeric := 0;
BEGIN
    SELECT * INTO p FROM posts WHERE seq = p_seq FOR UPDATE;
    v_held_before := p.status IS NULL OR p.status NOT IN ('post_rejected', 'post_error');
    v_held_after := p_status NOT IN ('post_rejected', 'post_error');
    v_now := p.counted;
    IF NOT v_held_after THEN
        IF v_held_before THEN v_leads := -1; v_spend := -p.counted; END IF;
    ELSE
        IF NOT v_held_before THEN v_now := p.amount; END IF;
        IF p_status = 'sold' AND p_price IS NOT NULL THEN v_now := p_price; END IF;
        IF v_held_before THEN v_spend := v_now - p.counted;
        ELSE v_leads := 1; v_spend := v_now; END IF;
    END IF;
    IF v_leads <> 0 OR v_spend <> 0 THEN
        UPDATE usage SET leads = leads + v_leads, spend = spend + v_spend
        WHERE account = p.account AND cap_window = ANY (p.windows);
    END IF;
    UPDATE posts SET status = p_status, price = p_price, reason = p_reason,
        answered_at = p_answered_at, counted = v_now WHERE seq = p_seq;
    IF p_status = 'sold' THEN
        INSERT INTO accounts (account, last_sale_at) VALUES (p.account, p_answered_at)
        ON CONFLICT (account) DO UPDATE
            SET last_sale_at = greatest(accounts.last_sale_at, excluded.last_sale_at);
        IF p_dedupe_key IS NOT NULL THEN
            INSERT INTO bought VALUES (p.account, p_dedupe_key, p_answered_at)
            ON CONFLICT (account, key) DO UPDATE SET at = greatest(bought.at, excluded.at);
        END IF;
    END IF;
END
$$;
CREATE FUNCTION pp_post_outcome(p_auction_id text, p_account text, p_attempt integer,
    p_status text, p_price numeric, p_reason text, p_answered_at double precision,
    p_dedupe_key text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
BEGIN
    SELECT p.seq INTO v_seq FROM posts p JOIN auctions a ON a.id = p.auction
    WHERE a.auction_id = p_auction_id AND p.account = p_account AND p.attempt = p_attempt;
    IF v_seq IS NULL THEN
        RETURN false;
    END IF;
    PERFORM pp_settle(v_seq, p_status, p_price, p_reason, p_answered_at, p_dedupe_key);
    RETURN true;
END
$$
"""

FINISH = r"""
CREATE FUNCTION pp_finish(
    p_auction_id text, p_lead_key text, p_lead_type text, p_source text,
    p_started_at double precision, p_lead bytea, p_result text,
    p_finished_at double precision, p_duration_ms double precision, p_sold_to text,
    p_price numeric, p_revenue numeric, p_reason text, p_document bytea,
    l_accounts text[], l_statuses text[], l_bids numeric[], l_pings double precision[],
    l_posts double precision[], l_errors text[], l_prices numeric[])
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_auction bigint;
    v_result text;
BEGIN
    INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at)
    VALUES (p_auction_id, p_lead_key, p_lead_type, p_source, p_started_at)
    ON CONFLICT (auction_id) DO NOTHING RETURNING id INTO v_auction;
    IF v_auction IS NULL THEN
        SELECT id, result INTO v_auction, v_result FROM auctions
        WHERE auction_id = p_auction_id FOR UPDATE;
        IF v_result IS NOT NULL THEN
            RETURN false;  -- finished before: the caller takes its figures back first
        END IF;
    ELSE
        INSERT INTO leads VALUES (v_auction, p_lead);
    END IF;
    UPDATE auctions SET result = p_result, finished_at = p_finished_at,
        duration_ms = p_duration_ms, sold_to = p_sold_to, price = p_price,
        revenue = p_revenue, reason = p_reason
    WHERE id = v_auction;
    INSERT INTO unfolded VALUES (v_auction) ON CONFLICT DO NOTHING;
    IF p_document IS NULL THEN
        DELETE FROM documents WHERE auction = v_auction;
    ELSE
        INSERT INTO documents VALUES (v_auction, p_document)
        ON CONFLICT (auction) DO UPDATE SET document = excluded.document;
    END IF;
    INSERT INTO lines
    SELECT v_auction, a, s, b, pi, po, e, pr
    FROM unnest(l_accounts, l_statuses, l_bids, l_pings, l_posts, l_errors, l_prices)
        AS x (a, s, b, pi, po, e, pr);
    RETURN true;
END
$$
"""

ALL = (TALLY, POST_INTENT, POST_OUTCOME, FINISH)

# Schema version 2: auctions owned by their run (OtherAuction). Refusals are arrays:
# ['other', the other run's auction, 'true' when it delivers the same lead], and a
# refused cap is ['cap', window, leads used, spend used].
LEAD_LOCK = 1885827184  # the advisory lock class of lead keys (a first write per lead key)

NEWER = r"""
CREATE FUNCTION pp_newer_auction(p_lead_key text, p_auction_id text, p_follows text)
RETURNS text LANGUAGE sql AS $$
    SELECT a.auction_id FROM auctions a
    WHERE a.lead_key = p_lead_key AND a.auction_id <> p_auction_id
      AND a.auction_id <> p_follows AND a.result IS DISTINCT FROM 'duplicate'
      AND (p_follows = '' OR a.id > (SELECT id FROM auctions WHERE auction_id = p_follows))
    ORDER BY a.id DESC LIMIT 1
$$
"""

POST_INTENT_V2 = r"""
DROP FUNCTION pp_post_intent(text, text, text, text, double precision, bytea, text, integer,
    double precision, numeric, text, text[], integer[], numeric[]);
CREATE FUNCTION pp_post_intent(
    p_auction_id text, p_lead_key text, p_lead_type text, p_source text,
    p_started_at double precision, p_lead bytea, p_account text, p_attempt integer,
    p_sent_at double precision, p_amount numeric, p_key text,
    p_windows text[], p_leads integer[], p_spend numeric[], p_run text, p_follows text)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    v_auction bigint;
    v_run text;
    v_key text;
    v_other text;
    v_window text;
    v_used usage%ROWTYPE;
BEGIN
    SELECT id, run, lead_key INTO v_auction, v_run, v_key FROM auctions
    WHERE auction_id = p_auction_id;
    IF v_auction IS NULL AND p_follows IS NOT NULL THEN
        -- the lead's first write: one at a time per lead key, then has another run come?
        PERFORM pg_advisory_xact_lock(LEAD_LOCK, hashtext(p_lead_key));
        v_other := pp_newer_auction(p_lead_key, p_auction_id, p_follows);
        IF v_other IS NOT NULL THEN
            RETURN ARRAY['other', v_other, 'true'];
        END IF;
        SELECT id, run, lead_key INTO v_auction, v_run, v_key FROM auctions
        WHERE auction_id = p_auction_id;  -- a parallel intent of this run wrote it meanwhile
    END IF;
    IF v_auction IS NOT NULL THEN
        IF p_run IS NOT NULL AND v_run IS DISTINCT FROM p_run THEN
            RETURN ARRAY['other', p_auction_id, (v_key = p_lead_key)::text];
        END IF;
        IF EXISTS (SELECT 1 FROM posts WHERE auction = v_auction
                AND account = p_account AND attempt = p_attempt) THEN
            RETURN NULL;  -- written before: a retried call is counted once
        END IF;
    END IF;
    BEGIN  -- the auction (its first write) and every window's count, or none of them
        IF v_auction IS NULL THEN
            INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at, run)
            VALUES (p_auction_id, p_lead_key, p_lead_type, p_source, p_started_at, p_run)
            ON CONFLICT (auction_id) DO NOTHING RETURNING id INTO v_auction;
            IF v_auction IS NULL THEN
                SELECT id, run, lead_key INTO v_auction, v_run, v_key FROM auctions
                WHERE auction_id = p_auction_id;
                IF p_run IS NOT NULL AND v_run IS DISTINCT FROM p_run THEN
                    RETURN ARRAY['other', p_auction_id, (v_key = p_lead_key)::text];
                END IF;
            ELSE
                INSERT INTO leads VALUES (v_auction, p_lead);
            END IF;
        END IF;
        FOR i IN 1 .. coalesce(array_length(p_windows, 1), 0) LOOP
            v_window := p_windows[i];
            IF 1 > coalesce(p_leads[i], 1) OR p_amount > coalesce(p_spend[i], p_amount) THEN
                RAISE EXCEPTION USING ERRCODE = 'PP001';
            END IF;
            INSERT INTO usage AS u VALUES (p_account, v_window, 1, p_amount)
            ON CONFLICT (account, cap_window) DO UPDATE
                SET leads = u.leads + 1, spend = u.spend + excluded.spend
                WHERE u.leads + 1 <= coalesce(p_leads[i], u.leads + 1)
                  AND u.spend + excluded.spend <= coalesce(p_spend[i], u.spend + excluded.spend);
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'PP001';
            END IF;
        END LOOP;
    EXCEPTION WHEN SQLSTATE 'PP001' THEN
        SELECT * INTO v_used FROM usage WHERE account = p_account AND cap_window = v_window;
        RETURN ARRAY['cap', v_window, coalesce(v_used.leads, 0)::text,
                     coalesce(v_used.spend, 0)::text];
    END;
    INSERT INTO posts (auction, account, attempt, sent_at, amount, idempotency_key, windows,
                       counted)
    VALUES (v_auction, p_account, p_attempt, p_sent_at, p_amount, p_key, p_windows, p_amount);
    RETURN NULL;
END
$$
""".replace("LEAD_LOCK", str(LEAD_LOCK))

FINISH_V2 = r"""
DROP FUNCTION pp_finish(text, text, text, text, double precision, bytea, text,
    double precision, double precision, text, numeric, numeric, text, bytea,
    text[], text[], numeric[], double precision[], double precision[], text[], numeric[]);
CREATE FUNCTION pp_finish(
    p_auction_id text, p_lead_key text, p_lead_type text, p_source text,
    p_started_at double precision, p_lead bytea, p_result text,
    p_finished_at double precision, p_duration_ms double precision, p_sold_to text,
    p_price numeric, p_revenue numeric, p_reason text, p_document bytea,
    l_accounts text[], l_statuses text[], l_bids numeric[], l_pings double precision[],
    l_posts double precision[], l_errors text[], l_prices numeric[],
    p_run text, p_follows text)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    v_auction bigint;
    v_result text;
    v_run text;
    v_key text;
    v_other text;
BEGIN
    IF p_follows IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM auctions WHERE auction_id = p_auction_id) THEN
        PERFORM pg_advisory_xact_lock(LEAD_LOCK, hashtext(p_lead_key));
        v_other := pp_newer_auction(p_lead_key, p_auction_id, p_follows);
        IF v_other IS NOT NULL THEN
            RETURN ARRAY['other', v_other, 'true'];
        END IF;
    END IF;
    INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at, run)
    VALUES (p_auction_id, p_lead_key, p_lead_type, p_source, p_started_at, p_run)
    ON CONFLICT (auction_id) DO NOTHING RETURNING id INTO v_auction;
    IF v_auction IS NULL THEN
        SELECT id, result, run, lead_key INTO v_auction, v_result, v_run, v_key FROM auctions
        WHERE auction_id = p_auction_id FOR UPDATE;
        IF p_run IS NOT NULL AND v_run IS DISTINCT FROM p_run THEN
            RETURN ARRAY['other', p_auction_id, (v_key = p_lead_key)::text];
        END IF;
        IF v_result IS NOT NULL THEN
            RETURN ARRAY['again'];  -- finished before: the caller takes its figures back first
        END IF;
    ELSE
        INSERT INTO leads VALUES (v_auction, p_lead);
    END IF;
    UPDATE auctions SET result = p_result, finished_at = p_finished_at,
        duration_ms = p_duration_ms, sold_to = p_sold_to, price = p_price,
        revenue = p_revenue, reason = p_reason
    WHERE id = v_auction;
    INSERT INTO unfolded VALUES (v_auction) ON CONFLICT DO NOTHING;
    IF p_document IS NULL THEN
        DELETE FROM documents WHERE auction = v_auction;
    ELSE
        INSERT INTO documents VALUES (v_auction, p_document)
        ON CONFLICT (auction) DO UPDATE SET document = excluded.document;
    END IF;
    INSERT INTO lines
    SELECT v_auction, a, s, b, pi, po, e, pr
    FROM unnest(l_accounts, l_statuses, l_bids, l_pings, l_posts, l_errors, l_prices)
        AS x (a, s, b, pi, po, e, pr);
    RETURN NULL;
END
$$
""".replace("LEAD_LOCK", str(LEAD_LOCK))

V2 = (NEWER, POST_INTENT_V2, FINISH_V2)

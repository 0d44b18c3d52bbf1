"""Descriptions for the JSON Schema: what editors show on hover (from spec/config.md)."""

from __future__ import annotations

MODEL_DESCRIPTIONS = {
    "LeadType": "The fields of a kind of lead, their types, and a sample lead.",
    "LeadField": "One lead field: its type and constraints.",
    "DeliveryMethod": "How to ping and post one buyer: requests, mappings and response rules.",
    "PingRequest": "The ping: a short, anonymous request for a bid.",
    "PostRequest": "The post: the full lead, sent to the winning bidder.",
    "MappingObject": "One buyer field and its source: exactly one of field, value, capture, "
    "template.",
    "Response": "How to read the buyer's answer: decoding, status codes, rules, extractors.",
    "PathConditionObject": "JMESPath over the decoded body: truthy, or compared with one operator.",
    "SelectorCondition": "A CSS selector over an HTML answer (format: html): the first match's "
    "text, or its attribute with `@attr` at the end; truthy, or compared with one operator.",
    "XPathCondition": "XPath over the XML or HTML answer as received (namespaces it declares "
    "usable); truthy, or compared with one operator.",
    "RegexCondition": "A regex searched in the raw body text (an HTML page's visible text).",
    "ContainsCondition": "A text searched in the raw body text (an HTML page's visible text).",
    "StatusCondition": "The HTTP status is this code, or one of these codes.",
    "HeaderCondition": "A response header is present, or one of its values equals a text or "
    "matches a regex.",
    "AllCondition": "Every condition holds.",
    "AnyCondition": "At least one condition holds.",
    "NotCondition": "The condition does not hold.",
    "ExtractorObject": "Where a value comes from: one of path, regex, header, cookie, selector, "
    "xpath; or only a default (a fixed value).",
    "DecodeStep": "A string in the answer holding a document of its own, parsed before any "
    "rule runs.",
    "Retry": "Retries within the phase's deadline.",
    "IdempotencyKey": "A header carrying the same key on every try; required to retry a post "
    "beyond connect failures.",
    "Example": "An offline contract test: a buyer answer and what it must mean.",
    "ExampleResponse": "A buyer's answer: status, headers (a mapping, or [name, value] pairs "
    "for repeated headers) and body.",
    "DeliveryAccount": "A buyer: which method, pricing, filters, priority and vars.",
    "Pricing": "Bid floor, ceiling and the price of buyers that accept without bidding.",
    "Filter": "A rule the lead must meet for the account to be pinged (one operator).",
    "Settings": "Auction, HTTP, service, store and log settings (optional; defaults apply).",
    "ServeSettings": "`pingpost serve`: auctions at once, and the admin key for reloads.",
    "LogSettings": "The delivery log: how long auctions are kept.",
    "Source": "A lead source of `pingpost serve`: its API key, lead types and rate limit.",
    "NoAuth": "No authentication.",
    "BasicAuth": "HTTP basic authentication.",
    "BearerAuth": "An Authorization header: `<prefix> <token>`.",
    "HeaderAuth": "A header carrying a key.",
    "QueryAuth": "A query-string parameter carrying a key.",
    "DigestAuth": "HTTP Digest (RFC 7616, MD5 or SHA-256, qop=auth); the challenge is answered "
    "within the exchange's deadline, and a post's body is never sent twice.",
    "OAuth2Auth": "OAuth2 client credentials: a bearer token from token_url, cached per "
    "account until shortly before it expires.",
    "ScheduleWindow": "Open from `from` to `to` (HH:MM, the account's zone) on each of `days`; "
    "`to` before `from` runs past midnight into the next day.",
    "Cap": "At most `leads` sales and/or `spend` in sale prices per calendar window "
    "(`per`) of the account's zone.",
    "AccountDedupe": "Never ping a lead this account bought within `within`.",
    "LeadDedupe": "Refuse a lead whose dedupe fields match a lead received within `within`.",
    "Health": "Pause the account after `pause_after` consecutive errors or timeouts, "
    "for `pause_for`.",
}

_REQUEST = {
    "url": "Endpoint URL; may use templates, e.g. {{ ping.token }} in a post.",
    "test_url": "Used in test mode (--test, or an account with environment: test).",
    "method": "HTTP method: GET, POST or PUT.",
    "content_type": "json (dots nest), xml (under xml_root; @name is an attribute), form "
    "(dotted names literal), query (fields in the URL).",
    "xml_root": "Root element of an xml body.",
    "timeout": "Seconds for the whole exchange, retries included.",
    "headers": "Extra headers; values may use templates.",
    "auth": "none, basic, bearer, header, query, digest or oauth2; values are secrets, masked "
    "in all output.",
    "mappings": "Buyer field: source. A bare string is a lead field name.",
    "body": "A template replacing the body built from mappings (json and xml only).",
    "response": "How to read the answer.",
    "retry": "attempts (every try), backoff (seconds, doubled), on: connect, timeout, 5xx, 429.",
    "idempotency_key": "A header with the same key on every try (needed for post retries "
    "beyond connect).",
    "include_ping_mappings": "Start from the ping's mappings, then add or override.",
}

DESCRIPTIONS = {
    **{f"PingRequest.{k}": v for k, v in _REQUEST.items()},
    **{f"PostRequest.{k}": v for k, v in _REQUEST.items()},
    "LeadType.kind": "lead_type",
    "LeadType.name": "Unique lead type name; methods refer to it.",
    "LeadType.fields": "Field name: its type and constraints.",
    "LeadType.sample": "A valid lead; validate renders every method with it.",
    "LeadField.type": "string, integer, number, boolean, date (YYYY-MM-DD), email, phone "
    "(10-digit US), zip, state (two letters), enum.",
    "LeadField.required": "A lead without it is refused.",
    "LeadField.pii": "Personal data: masked in traces and JSON; warned about in pings.",
    "LeadField.min": "Smallest number (or shortest string).",
    "LeadField.max": "Largest number (or longest string).",
    "LeadField.pattern": "A regex the value must match (searched).",
    "LeadField.values": "The allowed values of an enum field.",
    "MappingObject.field": "A lead field.",
    "MappingObject.value": "A static value; may be a template.",
    "MappingObject.capture": "A value captured from the accepted ping (post only).",
    "MappingObject.template": "A template over lead, account, ping, lead_id, test.",
    "MappingObject.default": "Used when the source has no value.",
    "MappingObject.map": "A value map; unmapped values pass through unless strict_map.",
    "MappingObject.strict_map": "Refuse values the map does not list.",
    "MappingObject.format": "digits, upper, lower, title, trim, int, decimal:N, date:<strftime>, "
    "yes_no, true_false, one_zero.",
    "MappingObject.required": "Default: required when the lead field is required.",
    "Response.format": "auto (Content-Type, then sniffing), json, xml, form, text or html.",
    "Response.decode": "Strings holding a document (escaped XML in a SOAP result, JSON in a "
    "string), parsed and put in place before any rule runs.",
    "Response.namespaces": "XPath prefixes (prefix: URI) besides those the answer declares, e.g. "
    "for a default namespace.",
    "Response.status": "HTTP status code: reject or error, decided before any rule runs.",
    "Response.error": "The buyer's error when this holds (checked before reject and accept).",
    "Response.accept": "Accepted when this holds (default: any 2xx).",
    "Response.reject": "Rejected when this holds (checked before accept).",
    "Response.bid": "The bid, a non-negative decimal; without it the account's fixed_price.",
    "Response.price": "A confirmed post price; overrides the bid.",
    "Response.reason": "Why: shown in the trace. `{default: TEXT}` alone is a fixed reason.",
    "Response.capture": "Values to keep for the post, as ping.NAME (read on every outcome; only "
    "an accepted ping's reach the post).",
    "ExtractorObject.path": "JMESPath over the decoded body.",
    "ExtractorObject.regex": "A regex over the body text: group `value`, else group 1.",
    "ExtractorObject.header": "A response header's value.",
    "ExtractorObject.cookie": "The value a Set-Cookie header gives this cookie.",
    "ExtractorObject.selector": "A CSS selector over an HTML answer; `@attr` at the end reads an "
    "attribute.",
    "ExtractorObject.xpath": "XPath over the XML or HTML answer as received.",
    "ExtractorObject.matches": "With `header`: the first of its values that matches this regex.",
    "ExtractorObject.default": "Used when the value is null, empty text or an empty list; alone, "
    "a fixed value.",
    "DecodeStep.path": "Plain keys joined by dots, e.g. Envelope.Body.SubmitResponse.SubmitResult.",
    "DecodeStep.as": "xml, json or form.",
    "OAuth2Auth.token_url": "The token endpoint (client-credentials grant).",
    "OAuth2Auth.scope": "Scopes to ask for: a text, or a list joined with spaces.",
    "OAuth2Auth.client_auth": "basic (HTTP Basic, the default) or body (client_id and "
    "client_secret as form fields).",
    "OAuth2Auth.params": "Extra form fields of the token request (e.g. audience).",
    "OAuth2Auth.timeout": "Seconds for one token request (a ping waits no longer than its own "
    "deadline).",
    "DeliveryMethod.kind": "delivery_method",
    "DeliveryMethod.name": "Unique method name; accounts refer to it.",
    "DeliveryMethod.lead_type": "The lead type whose fields the mappings use.",
    "DeliveryMethod.examples": "Offline contract tests, run by `pingpost validate`.",
    "DeliveryAccount.kind": "delivery_account",
    "DeliveryAccount.name": "Unique account name.",
    "DeliveryAccount.method": "The delivery method this buyer uses.",
    "DeliveryAccount.enabled": "false: never pinged.",
    "DeliveryAccount.environment": "test: use the method's test_url and test mode.",
    "DeliveryAccount.vars": "Values for templates, as account.vars.NAME.",
    "DeliveryAccount.priority": "Ping-tree tier for strategy: priority (0 first).",
    "DeliveryAccount.filters": "Every filter must hold, else the account is not pinged.",
    "DeliveryAccount.max_connections": "Overrides settings' max_connections_per_account.",
    "Pricing.min_bid": "Floor: lower bids lose (below_floor).",
    "Pricing.max_bid": "Guard: higher bids are refused (above_max).",
    "Pricing.fixed_price": "The price of an accepted ping that carries no bid.",
    "Settings.kind": "settings",
    "AuctionSettings.strategy": "highest_bid; priority: tiers in order, best bid per tier; "
    "round_robin: longest without a sale first; weighted: a draw by weight.",
    "AuctionSettings.ping_deadline": "Seconds for the whole ping round.",
    "AuctionSettings.max_posts": "Bidders tried in turn when posts are rejected.",
    "AuctionSettings.in_doubt": "After a post that may have arrived: hold (stop) or fallback.",
    "AuctionSettings.tie_break": "Equal bids: priority, or latency (faster first).",
    "AuctionSettings.post_timeout": "Seconds for a post whose method sets no timeout.",
    "Settings.store": "The store URL: sqlite:///PATH (relative), sqlite:////ABS/PATH, "
    "postgresql://USER@HOST:PORT/DB (default: .pingpost/store.db beside the config directory).",
    "LogSettings.retention": "Auctions older than this are purged by `pingpost log purge` "
    "(30d, 12h, 90m, 3600s); none: kept until purged.",
    "HttpSettings.max_response_bytes": "Larger responses are refused unread.",
    "HttpSettings.max_connections_per_account": (
        "A cap on concurrent connections per account; unset: as many as the run's concurrent "
        "auctions (deliver --concurrency, serve.max_in_flight), at least 10."
    ),
    "ServeSettings.max_in_flight": "Auctions at once per instance; past it, 503 with Retry-After.",
    "ServeSettings.admin_key": "Key for POST /v1/admin/reload (use ${ENV}); else "
    "$PINGPOST_ADMIN_KEY.",
    "Source.kind": "source",
    "Source.name": "Unique source name; recorded with each auction it posts.",
    "Source.api_key": "Sent as `Authorization: Bearer KEY` or `X-Api-Key: KEY`; use ${ENV}.",
    "Source.lead_types": "The lead types it may post (default: every lead type).",
    "Source.rate_limit": "Requests per second, minute or hour per instance: 50/s, 600/m, 10000/h.",
    "Source.enabled": "false: its key is refused (401).",
    "LeadType.dedupe": "Refuse a lead seen before: {fields: [Phone], within: 30d} "
    "(no fields: the whole lead).",
    "LeadType.id_field": "A string or integer lead field whose value becomes the auction id.",
    "DeliveryAccount.timezone": "IANA zone of caps and schedules (default: settings' "
    "timezone, else UTC).",
    "DeliveryAccount.schedule": "Windows when the account may be pinged; outside them: "
    "off_schedule. Default: always.",
    "DeliveryAccount.caps": "Limits on sold leads or spend per hour, day, week (from Monday), "
    "month or total.",
    "DeliveryAccount.dedupe": "Never ping a lead this account already bought within a window.",
    "DeliveryAccount.exclusive": "false: buys shared leads (settings auction.max_sells above 1).",
    "DeliveryAccount.weight": "Share of first offers under strategy: weighted (default 1).",
    "DeliveryAccount.health": "Auto-pause after consecutive errors or timeouts.",
    "ScheduleWindow.days": "mon, tue, wed, thu, fri, sat, sun (default: every day).",
    "ScheduleWindow.from": "Opening time, HH:MM.",
    "ScheduleWindow.to": "Closing time, HH:MM (24:00: midnight); before `from`: the next day.",
    "Cap.per": "hour, day, week, month (calendar windows of the account's zone) or total.",
    "Cap.leads": "At most this many sales in the window.",
    "Cap.spend": "At most this sum of sale prices in the window.",
    "AccountDedupe.within": "How long a bought lead stays a duplicate, e.g. 90d.",
    "LeadDedupe.fields": "Lead fields compared, normalised (phone digits, lower-case email, "
    "trimmed text).",
    "LeadDedupe.within": "How long a received lead stays a duplicate, e.g. 30d.",
    "Health.pause_after": "Consecutive errors or timeouts that pause the account (default 20).",
    "Health.pause_for": "How long the pause lasts (default 10m).",
    "Settings.timezone": "Default IANA zone of the accounts' caps and schedules (default UTC).",
    "AuctionSettings.max_sells": "1: exclusive sales only. N: up to N shared buyers per lead.",
    "Retry.attempts": "Every try, the first included.",
    "Retry.backoff": "Seconds before the first retry, doubled each time.",
    "Retry.on": "connect (never left: safe), timeout, 5xx, 429.",
}

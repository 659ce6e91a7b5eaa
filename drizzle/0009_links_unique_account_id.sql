-- One member per account id on a server. Links made before this index may hold the same account id twice: keep the
-- newest link of each account id, and record every link cleared in the audit log (actor "migration") first.
WITH ranked AS (
	SELECT "media_accounts".*, row_number() OVER (
		PARTITION BY "server_id", "account_id" ORDER BY "created_at" DESC, "id" DESC
	) AS "rank"
	FROM "media_accounts"
	WHERE "account_id" IS NOT NULL
)
INSERT INTO "audit_log" ("actor_discord_id", "action", "target", "before", "after")
SELECT 'migration', 'user.unlink-duplicate', 'member:' || "members"."discord_user_id",
	jsonb_build_object('server', "media_servers"."name", 'account', ranked."account_name", 'accountId', ranked."account_id"),
	NULL
FROM ranked
JOIN "members" ON "members"."id" = ranked."member_id"
JOIN "media_servers" ON "media_servers"."id" = ranked."server_id"
WHERE ranked."rank" > 1;--> statement-breakpoint
DELETE FROM "media_accounts" WHERE "id" IN (
	SELECT "id" FROM (
		SELECT "id", row_number() OVER (
			PARTITION BY "server_id", "account_id" ORDER BY "created_at" DESC, "id" DESC
		) AS "rank"
		FROM "media_accounts"
		WHERE "account_id" IS NOT NULL
	) AS ranked
	WHERE ranked."rank" > 1
);--> statement-breakpoint
CREATE UNIQUE INDEX "media_accounts_server_account_id_unique" ON "media_accounts" USING btree ("server_id","account_id") WHERE "media_accounts"."account_id" is not null;

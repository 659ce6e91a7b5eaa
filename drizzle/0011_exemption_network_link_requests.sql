CREATE TABLE "link_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"member_id" integer NOT NULL,
	"server_id" integer NOT NULL,
	"account_name" text NOT NULL,
	"account_id" text,
	"previous_account_name" text NOT NULL,
	"via" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "link_requests_state" CHECK ("link_requests"."state" in ('pending', 'approved', 'refused', 'replaced'))
);
--> statement-breakpoint
ALTER TABLE "device_exemptions" ADD COLUMN "ip_address" text;--> statement-breakpoint
ALTER TABLE "media_accounts" ADD COLUMN "linked_by" text DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE "link_requests" ADD CONSTRAINT "link_requests_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_requests" ADD CONSTRAINT "link_requests_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "link_requests_one_pending" ON "link_requests" USING btree ("member_id","server_id") WHERE "link_requests"."state" = 'pending';--> statement-breakpoint
-- Hand-written data fixes.
-- Links a member made with /link before `linked_by` existed: the newest link audit entry for that member and server
-- says who made it (everything else stays `admin`, which /link never replaces without an admin's approval).
UPDATE "media_accounts" SET "linked_by" = 'member'
FROM "members", "media_servers"
WHERE "members"."id" = "media_accounts"."member_id"
	AND "media_servers"."id" = "media_accounts"."server_id"
	AND (
		SELECT "audit_log"."action" FROM "audit_log"
		WHERE "audit_log"."target" = 'member:' || "members"."discord_user_id"
			AND "audit_log"."action" IN ('user.link', 'user.self-link')
			AND "audit_log"."after" ->> 'server' = "media_servers"."name"
		ORDER BY "audit_log"."id" DESC LIMIT 1
	) = 'user.self-link';--> statement-breakpoint
-- Exemptions made before addresses were kept: the address the device was last logged on before it was exempted
-- (stream_log); with none logged, the exemption keeps holding on any network.
UPDATE "device_exemptions" SET "ip_address" = (
	SELECT "stream_log"."ip_address" FROM "stream_log"
	WHERE "stream_log"."member_id" = "device_exemptions"."member_id"
		AND "stream_log"."device_id" = "device_exemptions"."device_id"
		AND "stream_log"."ip_address" IS NOT NULL
		AND "stream_log"."first_seen_at" <= "device_exemptions"."created_at"
	ORDER BY "stream_log"."last_seen_at" DESC LIMIT 1
);

CREATE TABLE "live_sessions" (
	"server_id" integer NOT NULL,
	"session_key" text NOT NULL,
	"device_id" text,
	"account_name" text NOT NULL,
	"account_id" text,
	"stream" jsonb NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "state" text DEFAULT 'open' NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "cap" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "plan_name" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "dry_run" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "lines" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "group_key" text;--> statement-breakpoint
ALTER TABLE "live_sessions" ADD CONSTRAINT "live_sessions_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "live_sessions_server_key" ON "live_sessions" USING btree ("server_id","session_key");--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD CONSTRAINT "breach_episodes_state" CHECK ("breach_episodes"."state" in ('open', 'enforced', 'stop-failed', 'resolved'));--> statement-breakpoint
-- Episodes from before the state machine: closed ones are resolved, open ones already had their notices sent.
UPDATE "breach_episodes" SET "notified_at" = "opened_at", "state" = CASE WHEN "closed_at" IS NULL THEN 'enforced' ELSE 'resolved' END;

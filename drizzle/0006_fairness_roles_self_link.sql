CREATE TABLE "boosts" (
	"id" serial PRIMARY KEY NOT NULL,
	"member_id" integer NOT NULL,
	"extra_streams" integer DEFAULT 0 NOT NULL,
	"extra_downloads" integer DEFAULT 0 NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"added_by" text NOT NULL,
	"ended_early_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "boosts_extras_non_negative" CHECK ("boosts"."extra_streams" >= 0 and "boosts"."extra_downloads" >= 0),
	CONSTRAINT "boosts_ends_after_start" CHECK ("boosts"."ends_at" > "boosts"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "device_exemptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"member_id" integer NOT NULL,
	"device_id" text NOT NULL,
	"device_name" text NOT NULL,
	"note" text,
	"added_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "role_plans" (
	"role_id" text PRIMARY KEY NOT NULL,
	"plan_id" integer NOT NULL,
	"role_name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "breach_episodes" DROP CONSTRAINT "breach_episodes_state";--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "grace_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "stop_rule" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "plan_from_roles" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "grace_seconds" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "stop_rule" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "count_by" text DEFAULT 'streams' NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "self_link" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "stream_log" ADD COLUMN "device_id" text;--> statement-breakpoint
ALTER TABLE "boosts" ADD CONSTRAINT "boosts_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_exemptions" ADD CONSTRAINT "device_exemptions_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_plans" ADD CONSTRAINT "role_plans_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "boosts_member_ends_idx" ON "boosts" USING btree ("member_id","ends_at");--> statement-breakpoint
CREATE UNIQUE INDEX "device_exemptions_member_device_unique" ON "device_exemptions" USING btree ("member_id","device_id");--> statement-breakpoint
CREATE INDEX "role_plans_plan_idx" ON "role_plans" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "stream_log_member_device_idx" ON "stream_log" USING btree ("member_id","device_id");--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD CONSTRAINT "breach_episodes_state" CHECK ("breach_episodes"."state" in ('grace', 'open', 'enforced', 'stop-failed', 'resolved'));--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_grace_range" CHECK ("plans"."grace_seconds" between 0 and 900);--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_stop_rule" CHECK ("plans"."stop_rule" in ('all', 'newest'));--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_count_by" CHECK ("plans"."count_by" in ('streams', 'locations'));
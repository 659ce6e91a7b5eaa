ALTER TABLE "breach_episodes" DROP CONSTRAINT "breach_episodes_state";--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "grace_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD COLUMN "stop_rule" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "grace_seconds" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "stop_rule" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "count_by" text DEFAULT 'streams' NOT NULL;--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD CONSTRAINT "breach_episodes_state" CHECK ("breach_episodes"."state" in ('grace', 'open', 'enforced', 'stop-failed', 'resolved'));--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_grace_range" CHECK ("plans"."grace_seconds" between 0 and 900);--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_stop_rule" CHECK ("plans"."stop_rule" in ('all', 'newest'));--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_count_by" CHECK ("plans"."count_by" in ('streams', 'locations'));
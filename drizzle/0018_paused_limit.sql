ALTER TABLE "live_sessions" ADD COLUMN "paused_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "paused_limit_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "paused_action" text DEFAULT 'stop' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_paused_limit_range" CHECK ("plans"."paused_limit_minutes" between 0 and 1440);--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_paused_action" CHECK ("plans"."paused_action" in ('stop', 'uncount'));
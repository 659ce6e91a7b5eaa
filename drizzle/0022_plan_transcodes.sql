ALTER TABLE "plans" ADD COLUMN "transcodes" text DEFAULT 'allow' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "transcode_cap" integer;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_transcodes" CHECK ("plans"."transcodes" in ('allow', 'no-4k', 'none'));--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_transcode_cap_range" CHECK ("plans"."transcode_cap" between 1 and 100);
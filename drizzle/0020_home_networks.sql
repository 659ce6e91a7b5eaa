ALTER TABLE "media_servers" ADD COLUMN "home_networks" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "home_streams" text DEFAULT 'count' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_home_streams" CHECK ("plans"."home_streams" in ('count', 'free'));
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
ALTER TABLE "stream_log" ADD COLUMN "device_id" text;--> statement-breakpoint
ALTER TABLE "boosts" ADD CONSTRAINT "boosts_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_exemptions" ADD CONSTRAINT "device_exemptions_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "boosts_member_ends_idx" ON "boosts" USING btree ("member_id","ends_at");--> statement-breakpoint
CREATE UNIQUE INDEX "device_exemptions_member_device_unique" ON "device_exemptions" USING btree ("member_id","device_id");--> statement-breakpoint
CREATE INDEX "stream_log_member_device_idx" ON "stream_log" USING btree ("member_id","device_id");
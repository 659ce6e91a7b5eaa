CREATE TABLE "sharing_flags" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"member_id" integer NOT NULL,
	"kind" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sharing_flags_key_unique" UNIQUE("key"),
	CONSTRAINT "sharing_flags_kind" CHECK ("sharing_flags"."kind" in ('households', 'travel'))
);
--> statement-breakpoint
CREATE TABLE "sharing_places" (
	"member_id" integer NOT NULL,
	"day" date NOT NULL,
	"network" text NOT NULL,
	"city" text,
	"latitude" double precision,
	"longitude" double precision,
	"accuracy_km" integer,
	"device" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sharing_places_member_id_day_network_pk" PRIMARY KEY("member_id","day","network")
);
--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "households" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "impossible_travel" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "sharing_flags" ADD CONSTRAINT "sharing_flags_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sharing_places" ADD CONSTRAINT "sharing_places_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sharing_flags_member" ON "sharing_flags" USING btree ("member_id","created_at");--> statement-breakpoint
CREATE INDEX "sharing_places_last_seen" ON "sharing_places" USING btree ("last_seen_at");--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_households_range" CHECK ("plans"."households" between 0 and 20);
ALTER TABLE "settings" DROP CONSTRAINT "settings_unlinked_mode";--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "stand_in_server_id" integer;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "stand_in_account" text;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "unlinked_plan_id" integer;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_stand_in_server_id_media_servers_id_fk" FOREIGN KEY ("stand_in_server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_unlinked_plan_id_plans_id_fk" FOREIGN KEY ("unlinked_plan_id") REFERENCES "public"."plans"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "members_stand_in_unique" ON "members" USING btree ("stand_in_server_id","stand_in_account");--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_stand_in_pair" CHECK (("members"."stand_in_server_id" is null) = ("members"."stand_in_account" is null));--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_unlinked_plan" CHECK (("settings"."unlinked_mode" = 'plan') = ("settings"."unlinked_plan_id" is not null));--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_unlinked_mode" CHECK ("settings"."unlinked_mode" in ('ignore', 'alert', 'plan'));
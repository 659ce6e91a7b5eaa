CREATE TABLE "pending_sign_ins" (
	"id" serial PRIMARY KEY NOT NULL,
	"server_id" integer NOT NULL,
	"member_discord_id" text NOT NULL,
	"secret_encrypted" text NOT NULL,
	"device_id" text NOT NULL,
	"device_name" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"last_alive_at" timestamp with time zone NOT NULL,
	"next_check_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pending_sign_ins" ADD CONSTRAINT "pending_sign_ins_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pending_sign_ins_next_check_idx" ON "pending_sign_ins" USING btree ("next_check_at");
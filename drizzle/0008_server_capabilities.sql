CREATE TABLE "server_capabilities" (
	"server_id" integer NOT NULL,
	"capability" text NOT NULL,
	"state" text NOT NULL,
	"since" timestamp with time zone,
	"reason" text,
	"fix" text,
	"lost_alerted" boolean DEFAULT false NOT NULL,
	CONSTRAINT "server_capabilities_server_id_capability_pk" PRIMARY KEY("server_id","capability")
);
--> statement-breakpoint
ALTER TABLE "server_capabilities" ADD CONSTRAINT "server_capabilities_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;
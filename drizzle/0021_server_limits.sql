ALTER TABLE "media_servers" ADD COLUMN "max_streams" integer;--> statement-breakpoint
ALTER TABLE "media_servers" ADD COLUMN "max_transcodes" integer;
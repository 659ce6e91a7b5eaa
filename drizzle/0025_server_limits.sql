ALTER TABLE "media_servers" ADD COLUMN "max_streams" integer;--> statement-breakpoint
ALTER TABLE "media_servers" ADD COLUMN "max_transcodes" integer;--> statement-breakpoint
CREATE INDEX "downloads_member_last_active_idx" ON "downloads" USING btree ("member_id",greatest("started_at", "last_seen_incomplete_at"),"started_at","last_seen_incomplete_at");
DROP INDEX "downloads_member_started_idx";--> statement-breakpoint
DROP INDEX "downloads_member_incomplete_idx";
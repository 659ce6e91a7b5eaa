ALTER TABLE "members" ADD COLUMN "locale" text;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "guild_locale" text;
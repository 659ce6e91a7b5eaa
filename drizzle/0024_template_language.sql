ALTER TABLE "templates" ADD COLUMN "language" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
-- A template saved before languages were kept was used for everyone: it becomes the community's default language's
-- (the shipped language of the server's Discord locale, else English), which every other language falls back to.
UPDATE "templates" SET "language" = CASE split_part(lower(coalesce((SELECT "guild_locale" FROM "settings" WHERE "id" = 1), 'en')), '-', 1) WHEN 'de' THEN 'de' WHEN 'fr' THEN 'fr' ELSE 'en' END;--> statement-breakpoint
ALTER TABLE "templates" DROP CONSTRAINT "templates_pkey";--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_name_language_pk" PRIMARY KEY("name","language");

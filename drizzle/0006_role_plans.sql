CREATE TABLE "role_plans" (
	"role_id" text PRIMARY KEY NOT NULL,
	"plan_id" integer NOT NULL,
	"role_name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "plan_from_roles" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "role_plans" ADD CONSTRAINT "role_plans_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "role_plans_plan_idx" ON "role_plans" USING btree ("plan_id");
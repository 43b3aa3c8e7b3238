CREATE TABLE `datasets` (
	`dataset_uuid` text NOT NULL,
	`experiment_id` integer NOT NULL,
	`name` text NOT NULL,
	`digest` text NOT NULL,
	`dataset_source_type` text NOT NULL,
	`dataset_source` text NOT NULL,
	`dataset_schema` text,
	`dataset_profile` text,
	PRIMARY KEY(`experiment_id`, `name`, `digest`),
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`experiment_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `index_datasets_dataset_uuid` ON `datasets` (`dataset_uuid`);--> statement-breakpoint
CREATE TABLE `experiment_tags` (
	`key` text NOT NULL,
	`value` text,
	`experiment_id` integer NOT NULL,
	PRIMARY KEY(`experiment_id`, `key`),
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`experiment_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `experiments` (
	`experiment_id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`artifact_location` text,
	`lifecycle_stage` text DEFAULT 'active' NOT NULL,
	`creation_time` integer,
	`last_update_time` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `experiments_name_unique` ON `experiments` (`name`);--> statement-breakpoint
CREATE INDEX `index_experiments_last_update_time` ON `experiments` (`last_update_time`);--> statement-breakpoint
CREATE TABLE `input_tags` (
	`input_uuid` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`input_uuid`, `name`),
	FOREIGN KEY (`input_uuid`) REFERENCES `inputs`(`input_uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `inputs` (
	`input_uuid` text NOT NULL,
	`source_type` text NOT NULL,
	`source_id` text NOT NULL,
	`destination_type` text NOT NULL,
	`destination_id` text NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`source_type`, `source_id`, `destination_type`, `destination_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `index_inputs_input_uuid` ON `inputs` (`input_uuid`);--> statement-breakpoint
CREATE INDEX `index_inputs_destination` ON `inputs` (`destination_type`,`destination_id`,`source_type`);--> statement-breakpoint
CREATE TABLE `latest_metrics` (
	`key` text NOT NULL,
	`value` real NOT NULL,
	`timestamp` integer NOT NULL,
	`step` integer NOT NULL,
	`is_nan` integer DEFAULT false NOT NULL,
	`run_uuid` text NOT NULL,
	PRIMARY KEY(`run_uuid`, `key`),
	FOREIGN KEY (`run_uuid`) REFERENCES `runs`(`run_uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `index_latest_metrics_key_value` ON `latest_metrics` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `metrics` (
	`key` text NOT NULL,
	`value` real NOT NULL,
	`timestamp` integer NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`is_nan` integer DEFAULT false NOT NULL,
	`run_uuid` text NOT NULL,
	FOREIGN KEY (`run_uuid`) REFERENCES `runs`(`run_uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `metrics_identity` ON `metrics` (`run_uuid`,`key`,`timestamp`,`step`,`value`,`is_nan`);--> statement-breakpoint
CREATE INDEX `index_metrics_run_key_step` ON `metrics` (`run_uuid`,`key`,`step`);--> statement-breakpoint
CREATE TABLE `params` (
	`key` text NOT NULL,
	`value` text NOT NULL,
	`run_uuid` text NOT NULL,
	PRIMARY KEY(`run_uuid`, `key`),
	FOREIGN KEY (`run_uuid`) REFERENCES `runs`(`run_uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `index_params_key_value` ON `params` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `runs` (
	`run_uuid` text PRIMARY KEY NOT NULL,
	`name` text,
	`source_type` text DEFAULT 'UNKNOWN',
	`source_name` text DEFAULT '',
	`entry_point_name` text DEFAULT '',
	`user_id` text,
	`status` text DEFAULT 'RUNNING' NOT NULL,
	`start_time` integer,
	`end_time` integer,
	`deleted_time` integer,
	`source_version` text DEFAULT '',
	`lifecycle_stage` text DEFAULT 'active' NOT NULL,
	`artifact_uri` text,
	`experiment_id` integer NOT NULL,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`experiment_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `index_runs_experiment_start` ON `runs` (`experiment_id`,`lifecycle_stage`,`start_time`);--> statement-breakpoint
CREATE TABLE `tags` (
	`key` text NOT NULL,
	`value` text,
	`run_uuid` text NOT NULL,
	PRIMARY KEY(`run_uuid`, `key`),
	FOREIGN KEY (`run_uuid`) REFERENCES `runs`(`run_uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `index_tags_key_value` ON `tags` (`key`,`value`);
CREATE TABLE `logged_model_metrics` (
	`model_id` text NOT NULL,
	`metric_name` text NOT NULL,
	`metric_timestamp_ms` integer NOT NULL,
	`metric_step` integer NOT NULL,
	`metric_value` real,
	`experiment_id` integer NOT NULL,
	`run_id` text NOT NULL,
	`dataset_uuid` text,
	`dataset_name` text,
	`dataset_digest` text,
	PRIMARY KEY(`model_id`, `metric_name`, `metric_timestamp_ms`, `metric_step`, `run_id`),
	FOREIGN KEY (`model_id`) REFERENCES `logged_models`(`model_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `index_logged_model_metrics_model_name` ON `logged_model_metrics` (`model_id`,`metric_name`);--> statement-breakpoint
CREATE TABLE `logged_model_params` (
	`model_id` text NOT NULL,
	`experiment_id` integer NOT NULL,
	`param_key` text NOT NULL,
	`param_value` text NOT NULL,
	PRIMARY KEY(`model_id`, `param_key`),
	FOREIGN KEY (`model_id`) REFERENCES `logged_models`(`model_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `logged_model_tags` (
	`model_id` text NOT NULL,
	`experiment_id` integer NOT NULL,
	`tag_key` text NOT NULL,
	`tag_value` text NOT NULL,
	PRIMARY KEY(`model_id`, `tag_key`),
	FOREIGN KEY (`model_id`) REFERENCES `logged_models`(`model_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `logged_models` (
	`model_id` text PRIMARY KEY NOT NULL,
	`experiment_id` integer NOT NULL,
	`name` text NOT NULL,
	`artifact_location` text NOT NULL,
	`creation_timestamp_ms` integer NOT NULL,
	`last_updated_timestamp_ms` integer NOT NULL,
	`status` integer NOT NULL,
	`lifecycle_stage` text DEFAULT 'active' NOT NULL,
	`model_type` text,
	`source_run_id` text,
	`status_message` text,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`experiment_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `index_logged_models_experiment` ON `logged_models` (`experiment_id`,`lifecycle_stage`,`creation_timestamp_ms`);--> statement-breakpoint
CREATE INDEX `index_logged_models_source_run` ON `logged_models` (`source_run_id`);--> statement-breakpoint
CREATE TABLE `model_version_tags` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`key` text NOT NULL,
	`value` text,
	PRIMARY KEY(`name`, `version`, `key`),
	FOREIGN KEY (`name`,`version`) REFERENCES `model_versions`(`name`,`version`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `model_versions` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`creation_time` integer,
	`last_updated_time` integer,
	`description` text,
	`user_id` text,
	`current_stage` text DEFAULT 'None' NOT NULL,
	`source` text,
	`storage_location` text,
	`run_id` text,
	`run_link` text,
	`status` text DEFAULT 'READY' NOT NULL,
	`status_message` text,
	`model_id` text,
	PRIMARY KEY(`name`, `version`),
	FOREIGN KEY (`name`) REFERENCES `registered_models`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `index_model_versions_run_id` ON `model_versions` (`run_id`);--> statement-breakpoint
CREATE TABLE `registered_model_aliases` (
	`name` text NOT NULL,
	`alias` text NOT NULL,
	`version` integer NOT NULL,
	PRIMARY KEY(`name`, `alias`),
	FOREIGN KEY (`name`) REFERENCES `registered_models`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `registered_model_tags` (
	`name` text NOT NULL,
	`key` text NOT NULL,
	`value` text,
	PRIMARY KEY(`name`, `key`),
	FOREIGN KEY (`name`) REFERENCES `registered_models`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `registered_models` (
	`name` text PRIMARY KEY NOT NULL,
	`creation_time` integer,
	`last_updated_time` integer,
	`description` text
);
--> statement-breakpoint
CREATE INDEX `index_registered_models_last_updated` ON `registered_models` (`last_updated_time`);
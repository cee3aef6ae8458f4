-- Soundcheck: local development seed (runs as postgres after migrations).
-- Two engineers in one sound company, one public venue and one show.

insert into auth.users (id, email, raw_user_meta_data, created_at) values
  ('5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01', 'maya.okafor@example.com',
   '{"display_name": "Maya Okafor"}', now() - interval '30 days'),
  ('5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02', 'jonas.lindqvist@example.com',
   '{"display_name": "Jonas Lindqvist"}', now() - interval '21 days');

-- profiles rows were created by the on_auth_user_created trigger
update public.profiles set primary_role = 'foh_engineer', home_city = 'Leeds'
where id = '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01';
update public.profiles set primary_role = 'monitor_engineer', home_city = 'Manchester'
where id = '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02';

-- Maya becomes owner through the on_organisation_created trigger
insert into public.organisations (id, name, slug, plan, country_code, created_by) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'Northern Lights Audio', 'northern-lights-audio',
   'pro', 'GB', '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.organisation_members (org_id, user_id, role, invited_by) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02', 'admin',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.user_preferences (user_id, default_org_id, units, theme) values
  ('5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'metric', 'dark');

insert into public.venues (id, org_id, name, address_line, city, country_code, capacity,
                           stage_width_m, stage_depth_m, trim_height_m, foh_distance_m,
                           power_supply, house_system, house_console, is_public) values
  ('b3e2f1a0-6c4d-4e8f-9a7b-2c1d0e9f8a01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'The Foundry', '14 Kirkstall Road', 'Leeds', 'GB', 1800,
   12.00, 9.50, 8.20, 24.0,
   '125A 3-phase CEE, stage left', 'd&b KSL8 L/R + SL-GSUB', 'DiGiCo Quantum 338', true);

insert into public.venue_contacts (org_id, venue_id, name, job_title, email, phone) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'b3e2f1a0-6c4d-4e8f-9a7b-2c1d0e9f8a01',
   'Priya Shah', 'House engineer', 'priya.shah@example.com', '+44 113 496 0000');

insert into public.events (id, org_id, venue_id, name, status, client_name,
                           starts_at, ends_at, load_in_at, doors_at, curfew_at,
                           timezone, expected_attendance, spl_limit_dba, created_by) values
  ('c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'b3e2f1a0-6c4d-4e8f-9a7b-2c1d0e9f8a01', 'Aurora Tour - Leeds', 'advancing', 'Aurora Skies Ltd',
   '2025-03-14 20:00+00', '2025-03-14 22:45+00', '2025-03-14 10:00+00',
   '2025-03-14 19:00+00', '2025-03-14 23:00+00',
   'Europe/London', 1650, 100.0, '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.event_crew (org_id, event_id, user_id, crew_role, call_time, day_rate) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01', 'foh_engineer', '2025-03-14 10:00+00', 350.00),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02', 'monitor_engineer', '2025-03-14 10:00+00', 320.00);

insert into public.patch_sheets (id, org_id, event_id, title, console_model, stagebox, created_by) values
  ('d4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 'Aurora - FOH patch v3', 'DiGiCo SD12', 'SD-Rack (MADI)',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.patch_channels (id, org_id, patch_sheet_id, channel_number, source, mic_model, stand,
                                   phantom_power, stagebox_input, group_name, colour) values
  ('e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'd4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01', 1, 'Kick In', 'Shure Beta 91A', 'none', true, 'SR 1', 'Drums', '#d32f2f'),
  ('e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a02', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'd4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01', 2, 'Kick Out', 'Audix D6', 'short_boom', false, 'SR 2', 'Drums', '#d32f2f'),
  ('e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a03', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'd4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01', 3, 'Snare Top', 'Shure SM57', 'clamp', false, 'SR 3', 'Drums', '#d32f2f'),
  ('e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a04', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'd4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01', 4, 'Bass DI', 'Radial J48', 'none', true, 'SR 9', 'Bass', '#1976d2'),
  ('e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a05', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'd4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01', 5, 'Lead Vox', 'Shure Axient AD2/KSM9', 'tall_boom', false, 'RF 1', 'Vocals', '#388e3c');

insert into public.input_lists (id, org_id, event_id, title, artist_name, revision, received_on, created_by) values
  ('f6a5b4c3-2d1e-4f0a-9b8c-7d6e5f4a3b01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 'Aurora rider input list', 'Aurora', 2, '2025-02-20',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.input_list_rows (org_id, input_list_id, position, instrument, mic_or_di, stand, phantom_power) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'f6a5b4c3-2d1e-4f0a-9b8c-7d6e5f4a3b01', 1, 'Kick In', 'Beta 91A', 'none', true),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'f6a5b4c3-2d1e-4f0a-9b8c-7d6e5f4a3b01', 2, 'Kick Out', 'D6', 'short boom', false),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'f6a5b4c3-2d1e-4f0a-9b8c-7d6e5f4a3b01', 3, 'Lead Vox', 'own RF', 'tall boom', false);

insert into public.monitor_mixes (id, org_id, event_id, mix_number, name, performer, kind) values
  ('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 1, 'Vox IEM', 'Elin (lead vocal)', 'iem_stereo'),
  ('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c02', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 2, 'Drum fill', 'Tom (drums)', 'drumfill');

insert into public.monitor_mix_sends (org_id, monitor_mix_id, patch_channel_id, level_db, pan) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c01',
   'e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a05', 0.0, 0),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c01',
   'e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a01', -12.0, 0),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c02',
   'e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a01', -3.0, null);

insert into public.rf_frequencies (org_id, event_id, device_type, device_model, channel_label, frequency_mhz, rf_group, assigned_to) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01',
   'handheld', 'Shure AD2', 'Lead Vox', 606.125, 'G1', 'Elin'),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01',
   'iem', 'Shure PSM1000', 'IEM 1', 650.400, 'G2', 'Elin');

insert into public.stage_plots (id, org_id, event_id, title, width_m, depth_m, created_by) values
  ('b7c6d5e4-f3a2-4b1c-9d0e-8f7a6b5c4d01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 'Aurora stage plot', 12.00, 9.50,
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.stage_plot_items (org_id, stage_plot_id, patch_channel_id, kind, label, x_m, y_m, rotation_deg) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'b7c6d5e4-f3a2-4b1c-9d0e-8f7a6b5c4d01',
   null, 'riser', 'Drum riser 8x8', 6.00, 6.50, 0),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'b7c6d5e4-f3a2-4b1c-9d0e-8f7a6b5c4d01',
   'e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a05', 'mic', 'Lead vox', 6.00, 2.00, 0);

insert into public.run_of_shows (id, org_id, event_id, title, show_date, created_by) values
  ('c8d7e6f5-a4b3-4c2d-8e1f-9a8b7c6d5e01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 'Aurora - Leeds running order', '2025-03-14',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.run_of_show_cues (org_id, run_of_show_id, position, title, planned_at, duration_seconds, console_scene, tags) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c8d7e6f5-a4b3-4c2d-8e1f-9a8b7c6d5e01', 1, 'Walk-in music', '2025-03-14 19:00+00', 3600, '001 Walk-in', '{playback}'),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c8d7e6f5-a4b3-4c2d-8e1f-9a8b7c6d5e01', 2, 'Intro VT', '2025-03-14 20:00+00', 90, '002 Intro', '{playback,video}'),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'c8d7e6f5-a4b3-4c2d-8e1f-9a8b7c6d5e01', 3, 'Northern Skies', '2025-03-14 20:02+00', 245, '010 Northern Skies', '{}');

insert into public.production_schedules (id, org_id, event_id, title, schedule_date, published_at, created_by) values
  ('d9e8f7a6-b5c4-4d3e-9f2a-0b1c2d3e4f01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', 'Show day', '2025-03-14', now(),
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.schedule_items (org_id, production_schedule_id, starts_at, ends_at, label, department, location, assigned_to) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'd9e8f7a6-b5c4-4d3e-9f2a-0b1c2d3e4f01',
   '2025-03-14 10:00+00', '2025-03-14 13:00+00', 'Load-in and PA fly', 'audio', 'Dock', null),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'd9e8f7a6-b5c4-4d3e-9f2a-0b1c2d3e4f01',
   '2025-03-14 15:00+00', '2025-03-14 16:00+00', 'Line check', 'audio', 'Stage', '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02'),
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'd9e8f7a6-b5c4-4d3e-9f2a-0b1c2d3e4f01',
   '2025-03-14 16:30+00', '2025-03-14 17:30+00', 'Soundcheck', 'audio', 'Stage', '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.equipment (id, org_id, name, category, manufacturer, model, serial_number, asset_tag, purchased_on, weight_kg, tags) values
  ('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'SD12 FOH console', 'console', 'DiGiCo', 'SD12', 'SD12-004417', 'NLA-0001', '2022-04-01', 47.00, '{foh,flight-case}'),
  ('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a02', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'Beta 91A #1', 'microphone', 'Shure', 'Beta 91A', null, 'NLA-0142', '2021-09-15', 0.47, '{drums}'),
  ('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a03', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   'PSM1000 IEM rack', 'iem', 'Shure', 'P10T', 'P10T-88121', 'NLA-0310', '2023-01-10', 12.50, '{rf,monitors}');

insert into public.equipment_bookings (org_id, equipment_id, event_id, starts_at, ends_at, status, booked_by) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a01',
   'c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e01', '2025-03-13 12:00+00', '2025-03-15 12:00+00', 'confirmed',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01');

insert into public.equipment_maintenance_logs (org_id, equipment_id, kind, performed_on, performed_by, description, next_due_on) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a01',
   'pat_test', '2025-01-08', '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02', 'Annual PAT test, pass.', '2026-01-08');

insert into public.comments (org_id, resource_type, resource_id, author_id, body) values
  ('7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01', 'patch_sheet', 'd4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02', 'Can we move the vocal RF to SR 12 so monitors get it pre-split?');

insert into public.notifications (user_id, org_id, actor_id, kind, title, payload) values
  ('5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e01', '7a0c4e10-8d5b-4c31-a2f4-1e9b6c7d8f01',
   '5d1b7a52-3c2e-4f7e-9b1a-0a6f1c2d3e02', 'comment', 'Jonas commented on "Aurora - FOH patch v3"',
   '{"resource_type": "patch_sheet", "resource_id": "d4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b01"}');

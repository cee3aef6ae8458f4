"""Public buckets: the probe lists them as anon and as user B (a warning: their files are served
by URL anyway) and reports overwriting someone else's file there as it would anywhere."""

from __future__ import annotations

from tests.probe.conftest import by_rule
from toolkit.model import Level

AVATARS = """
insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
create policy avatars_upload_own on storage.objects for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
"""


def test_listing_a_public_bucket_is_a_warning(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(AVATARS + """
create policy avatars_list on storage.objects for select using (bucket_id = 'avatars');
""")
    (anon,) = by_rule(result, "probe_anon_read")
    assert anon.level is Level.WARN and anon.object.name == "avatars"
    assert anon.message.startswith("anon (no sign-in) listed 2 of the 2 files the probe created in "
                                   "public bucket 'avatars'")
    assert anon.evidence["listing"] is True and "avatars_list" in anon.message
    assert anon.remediation.startswith("Drop the SELECT policy")
    (cross,) = by_rule(result, "probe_cross_user_read")
    assert cross.level is Level.WARN
    assert cross.message.startswith("user B listed user A's files in public bucket 'avatars'")
    assert not by_rule(result, "probe_cross_user_write") and not by_rule(result, "probe_owner_spoof")


def test_overwriting_a_file_in_a_public_bucket_is_an_error(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(AVATARS + """
create policy avatars_manage on storage.objects for all to authenticated
  using (bucket_id = 'avatars');
""")
    (write,) = by_rule(result, "probe_cross_user_write")
    assert write.level is Level.ERROR and "public bucket 'avatars'" in write.message
    assert write.message.startswith("user B could update and delete user A's rows")
    (cross,) = by_rule(result, "probe_cross_user_read")
    assert cross.level is Level.WARN and cross.evidence["listing"] is True
    assert not by_rule(result, "probe_anon_read")


def test_a_public_bucket_listed_only_in_ones_own_folder_is_quiet(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(AVATARS + """
create policy avatars_list_own on storage.objects for select to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
""")
    assert result.findings == []
    probed = {t.bucket: t.public_bucket for t in result.tables if t.bucket}
    assert probed == {"avatars": True, "supakit-probe-private": False}
    assert result.summary["buckets_probed"] == 2

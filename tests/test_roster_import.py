import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from kapok.registry.importing import CELLS_PURPOSE, import_roster, masked_cells
from kapok.registry.models import Category, Household, Person, RejectedRow, RosterImport
from kapok.registry.protection import decrypt
from kapok.registry.statistics import category_figures
from kapok.site.demo import ROSTERS
from kapok.zones.importing import import_zones
from kapok.zones.models import people_in_zones

pytestmark = pytest.mark.django_db
# The shared sample rosters, as shipped with the demo (kapok/site/demo_rosters/README.md).
SAMPLES = ROSTERS
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
DAY = dt.date.fromisoformat(EXPECTED["as_of"])


def import_samples():
    for spec in EXPECTED["imports"]:
        import_roster(
            SAMPLES / spec["file"],
            filename=spec["file"],
            category=Category.objects.get(code=spec["category"]),
            sheet=spec.get("sheet"),
        )
    import_zones(SAMPLES / EXPECTED["zones"], filename=EXPECTED["zones"])


def eight(figures):
    return {code: figures["by_category"][code] for code in EXPECTED["all"]["by_category"]}


def test_the_sample_rosters_give_the_true_figures_by_category():
    import_samples()
    in_zones = category_figures(people_in_zones(Person.objects.all(), DAY), DAY)
    everyone = category_figures(Person.objects.all(), DAY)
    assert eight(in_zones) == EXPECTED["in_zones"]["by_category"]
    assert in_zones["memberships"] == EXPECTED["in_zones"]["memberships"]
    assert eight(everyone) == EXPECTED["all"]["by_category"]
    assert everyone["memberships"] == EXPECTED["all"]["memberships"]
    # Exact-ID matching alone leaves the rows without a usable ID number to deduplication.
    assert EXPECTED["all"]["people"] <= everyone["people"] <= EXPECTED["all"]["people"] + 5


def test_importing_the_same_rosters_again_changes_nothing():
    import_samples()
    people, households = Person.objects.count(), Household.objects.count()
    for spec in EXPECTED["imports"]:
        batch = import_roster(
            SAMPLES / spec["file"],
            filename=spec["file"],
            category=Category.objects.get(code=spec["category"]),
            sheet=spec.get("sheet"),
        )
        assert batch.people_created == batch.people_updated == 0
        assert batch.rows_unchanged + batch.rows_rejected == batch.rows_total
    assert (Person.objects.count(), Household.objects.count()) == (people, households)


def test_household_rosters_build_households_with_their_heads():
    import_roster(
        SAMPLES / "dibao_members.xlsx",
        filename="dibao_members.xlsx",
        category=Category.objects.get(code="DIBAO"),
    )
    assert Household.objects.count() == EXPECTED["all"]["by_category"]["DIBAO"]["households"]
    head = Person.objects.with_id_number("440105196009054774").get()
    household = head.headed_households.get()
    assert household.members.count() >= 2
    # The head's ID number is the household's, never the member's own.
    assert Person.objects.with_id_number("440103200810134581").get().name == "古平宇"


def roster(tmp_path, rows, name="roster.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["XX街道特困人员名单"])
    sheet.append(["姓名", "公民身份号码", "联系方式", "镇街", "所属社区", "现住址"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_bad_rows_are_kept_with_their_reason_and_doubtful_rows_are_imported(tmp_path):
    path = roster(
        tmp_path,
        [
            ["张三明", "44011119450312123X", "138-1234-5678", "松洲街", "螺涌", "螺涌北路1号"],
            ["李四", "", "13912345678", "松洲街", "不存在社区", "某路2号"],
            ["", "44011119450312123X", "", "松洲街", "螺涌", ""],
            ["王五", 4.40111194503121e17, "020-81234567", "松洲街", "螺涌", "螺涌北路3号"],
        ],
    )
    batch = import_roster(path, filename="roster.xlsx", category=Category.objects.get(code="TEKUN"))
    assert (batch.rows_total, batch.people_created, batch.rows_rejected) == (4, 2, 2)
    reasons = {row.row_number: row for row in RejectedRow.objects.filter(roster_import=batch)}
    assert reasons[4].code == "unknown_community"
    assert "不存在社区" in reasons[4].reason
    assert reasons[5].code == "name_missing"
    assert reasons[6].code == "id_excel_damaged"
    assert reasons[6].is_doubtful
    assert "44011119450312123X" not in reasons[5].cells_encrypted
    assert json.loads(decrypt(reasons[5].cells_encrypted, CELLS_PURPOSE))[1] == "44011119450312123X"
    assert masked_cells(reasons[5])[1] == "440111********123X"
    wang = Person.objects.get(name="王五")
    assert wang.id_number_hash == ""
    assert wang.phones == ["020-81234567"]
    zhang = Person.objects.with_id_number("44011119450312123X").get()
    assert zhang.phones == ["13812345678"]
    assert zhang.birth_date == dt.date(1945, 3, 12)
    assert zhang.residence_region_id == "440111003005"


def test_a_dry_run_checks_and_counts_but_keeps_nothing(tmp_path):
    path = roster(tmp_path, [["张三明", "44011119450312123X", "", "松洲街", "螺涌", ""]])
    batch = import_roster(
        path, filename="roster.xlsx", category=Category.objects.get(code="TEKUN"), dry_run=True
    )
    assert batch.people_created == 1
    assert not Person.objects.exists()
    assert not RosterImport.objects.exists()


def test_the_import_command_reports_as_json_and_refuses_an_unknown_category(tmp_path):
    path = roster(tmp_path, [["张三明", "44011119450312123X", "", "松洲街", "螺涌", ""]])
    out = io.StringIO()
    call_command("import", str(path), "--category", "TEKUN", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["created"] == 1
    assert result["columns"]["id_number"] == "公民身份号码"
    with pytest.raises(CommandError, match="unknown category 'NOPE'"):
        call_command("import", str(path), "--category", "NOPE", stdout=io.StringIO())


def test_a_column_can_be_mapped_by_hand(tmp_path):
    workbook = Workbook()
    workbook.active.append(["姓名", "号码", "街道", "社区"])
    workbook.active.append(["张三明", "44011119450312123X", "松洲街", "螺涌"])
    path = tmp_path / "odd.xlsx"
    workbook.save(path)
    out = io.StringIO()
    call_command(
        "import", str(path), "--category", "TEKUN", "--map", "id_number=号码", "--json", stdout=out
    )
    assert Person.objects.with_id_number("44011119450312123X").exists()


def test_the_rejects_download_as_xlsx_with_a_reason_column_to_correct(tmp_path, personas, login):
    from django.urls import reverse
    from openpyxl import load_workbook

    from kapok.audit.models import LogEntry

    path = roster(
        tmp_path,
        [
            ["张三明", "44011119450312123X", "", "松洲街", "螺涌", "螺涌北路1号"],
            ["李四", "440111194503121235", "", "松洲街", "不存在社区", "某路2号"],
        ],
    )
    batch = import_roster(
        path,
        filename="roster.xlsx",
        category=Category.objects.get(code="TEKUN"),
        actor=personas.district,
    )
    client = login(personas.district)
    page = client.get(reverse("registry:import_detail", args=[batch.pk]))
    assert "440111********1235" in page.content.decode()
    assert "440111194503121235" not in page.content.decode()
    response = client.get(reverse("registry:import_rejects", args=[batch.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("行", "原因", "类型", "姓名")
    assert rows[1][0] == 4
    assert "不存在社区" in rows[1][1]
    assert rows[1][4] == "440111194503121235"  # in clear, as text, ready to re-import
    assert LogEntry.objects.filter(action="registry.roster.rejects_downloaded").count() == 1


def registry_snapshot():
    """What the registry holds, independent of primary keys."""
    from kapok.registry.models import HouseholdMember, Membership

    people = sorted(
        Person.objects.values_list("name", "id_number_hash", "birth_date", "residence_region_id")
    )
    memberships = sorted(Membership.objects.values_list("person__name", "category__code"))
    links = sorted(
        HouseholdMember.objects.values_list(
            "household__key", "person__name", "relation", "household__head__name"
        )
    )
    rejected = sorted(
        RejectedRow.objects.values_list("roster_import__file_name", "row_number", "code")
    )
    return people, memberships, links, rejected


@pytest.mark.parametrize("chunk", [1, 7])
def test_rows_written_in_chunks_give_the_same_registry_as_one_chunk(chunk, monkeypatch):
    """The importer writes CHUNK_ROWS rows at a time; a household whose head comes in a later
    chunk than its members, and a person named twice in different chunks, come out the same."""
    import_samples()
    whole = registry_snapshot()
    for model in (RejectedRow, Household, Person, RosterImport):
        model.objects.all().delete()
    monkeypatch.setattr("kapok.registry.importing.CHUNK_ROWS", chunk)
    import_samples()
    assert registry_snapshot() == whole


def test_a_person_named_twice_in_one_roster_is_one_person_with_both_phones(tmp_path, monkeypatch):
    monkeypatch.setattr("kapok.registry.importing.CHUNK_ROWS", 2)
    path = roster(
        tmp_path,
        [
            ["张三明", "44011119450312123X", "13812345678", "松洲街", "螺涌", ""],
            ["李四", "", "", "松洲街", "螺涌", "螺涌北路2号"],
            ["张三明", "44011119450312123x", "13912345678", "松洲街", "螺涌", "螺涌北路1号"],
            ["李四", "", "13712345678", "松洲街", "螺涌", ""],
        ],
    )
    batch = import_roster(path, filename="roster.xlsx", category=Category.objects.get(code="TEKUN"))
    assert (batch.people_created, batch.people_updated) == (2, 2)
    zhang = Person.objects.with_id_number("44011119450312123X").get()
    assert zhang.phones == ["13812345678", "13912345678"]
    assert zhang.address == "螺涌北路1号"
    li = Person.objects.get(name="李四")
    assert (li.phones, li.address) == (["13712345678"], "螺涌北路2号")
    assert zhang.memberships.count() == li.memberships.count() == 1

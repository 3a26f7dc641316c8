"""Synthetic department rosters, as the 低保 system exports them, for the import benchmarks.

    write_roster(path, rows=200_000, rng=random.Random(1), communities=[...])

One row per household member: 户编号, 姓名, 性别, 身份证号码, 与户主关系, 户主身份证号,
联系电话, 所属区, 所属街道, 所属社区, 家庭住址. Households of one to four people; ID
numbers valid (their check character computed); about 1% of rows damaged the way real
rosters are (an ID Excel turned into a number, an unknown community, an empty name), so the
benchmark also pays for rejected rows.
"""

import csv
import random
from pathlib import Path

from kapok.registry.identity import check_character

HEADER = [
    "户编号",
    "姓名",
    "性别",
    "身份证号码",
    "与户主关系",
    "户主身份证号",
    "联系电话",
    "所属区",
    "所属街道",
    "所属社区",
    "家庭住址",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红娥玲凤梅琴云莲珍雪荣爱妹"
    "霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡"
    "婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁"
    "欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
RELATIONS = ["户主", "配偶", "子女", "父母"]


def _id_number(rng: random.Random, region: str, birth_year: int, female: bool) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    sequence = rng.randint(0, 99) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
    first17 = f"{region}{birth_year:04d}{month:02d}{day:02d}{sequence:03d}"
    return first17 + check_character(first17)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


def roster_rows(count: int, rng: random.Random, communities: list[tuple[str, str, str]]):
    """``count`` data rows; ``communities``: (district, street, community) names that exist."""
    made = 0
    household = 0
    seen: set[str] = set()
    while made < count:
        household += 1
        district, street, community = rng.choice(communities)
        number = f"DB{household:08d}"
        address = f"{street}{rng.randint(1, 300)}号{rng.randint(1, 30)}栋{rng.randint(101, 3202)}"
        head_id = None
        for position in range(min(rng.randint(1, 4), count - made)):
            female = rng.random() < 0.5
            year = rng.randint(1930, 2020)
            id_number = _id_number(rng, "440111", year, female)
            while id_number in seen:
                id_number = _id_number(rng, "440111", year, female)
            seen.add(id_number)
            head_id = head_id or id_number
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            row = [
                number,
                name,
                "女" if female else "男",
                id_number,
                RELATIONS[min(position, 3)],
                head_id,
                _phone(rng) if rng.random() < 0.9 else "",
                district,
                street,
                community,
                address,
            ]
            damage = rng.random()
            if damage < 0.004:
                row[3] = f"{int(id_number[:17]) * 10:.14E}"  # Excel's float: damaged
            elif damage < 0.007:
                row[9] = "不存在社区"
            elif damage < 0.01:
                row[1] = ""
            yield row
            made += 1


def write_csv(path: Path, rows, encoding: str = "utf-8") -> None:
    with open(path, "w", newline="", encoding=encoding) as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("低保家庭成员")
    sheet.append(["白云区低保家庭成员花名册"])  # a title row above the header, as departments do
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def guangzhou_communities() -> list[tuple[str, str, str]]:
    """(district, street, community) names of every community in the loaded regions."""
    from kapok.regions.models import Region

    return [
        (region.parent.parent.name, region.parent.name, region.name)
        for region in Region.objects.filter(level=Region.Level.COMMUNITY).select_related(
            "parent__parent"
        )
    ]

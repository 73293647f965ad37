"""Tables behind the demo-data generator: surnames, given names, places, codes.

Figures are approximations of published statistics (surname shares of the national household
register; census age and household structure); they only need to look plausible, never to be
anyone's real data.
"""

from __future__ import annotations

import bisect
import itertools
import random
from typing import Sequence


class Picker:
    """Weighted choice by bisection over cumulative weights: much cheaper than random.choices."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def zipf(items: Sequence, s: float = 0.8) -> Picker:
    """Earlier items are commoner: weight 1/rank**s."""
    return Picker(items, [1 / (rank ** s) for rank in range(1, len(items) + 1)])


# Share (%) of the population bearing each surname, the commonest first. The tail keeps the
# surnames whose pronunciation as a surname differs from the character's usual reading
# (单 shan, 曾 zeng, 解 xie, 仇 qiu, 区 ou, 朴 piao, 查 zha, 盖 ge) and a few two-character ones.
_SURNAMES = """
王7.25 李7.19 张6.83 刘5.38 陈4.53 杨3.08 赵2.29 黄2.23 吴2.05 周1.89 徐1.60 孙1.52 胡1.31 马1.38
朱1.26 郭1.15 何1.14 林1.02 高1.02 罗0.87 郑0.85 梁0.85 谢0.76 宋0.74 唐0.73 许0.67 韩0.66 冯0.65
邓0.64 曹0.62 彭0.61 曾0.60 肖0.57 田0.56 董0.53 袁0.50 潘0.50 于0.49 蒋0.48 蔡0.48 余0.47 杜0.46
叶0.45 程0.44 苏0.43 魏0.43 吕0.42 丁0.41 任0.41 沈0.39 姚0.38 卢0.38 姜0.37 崔0.36 钟0.36 谭0.35
陆0.34 汪0.33 范0.33 金0.32 石0.32 廖0.31 贾0.30 夏0.30 韦0.29 付0.28 方0.28 白0.28 邹0.27 孟0.27
熊0.27 秦0.26 邱0.26 江0.25 尹0.25 薛0.24 闫0.24 段0.23 雷0.23 侯0.22 龙0.22 史0.22 陶0.21 黎0.21
贺0.21 顾0.20 毛0.20 郝0.20 龚0.19 邵0.19 万0.18 钱0.18 严0.17 覃0.17 武0.17 戴0.17 莫0.16 孔0.16
向0.15 汤0.15 常0.15 温0.14 康0.14 施0.13 文0.13 牛0.13 樊0.12 葛0.12 邢0.12 安0.11 齐0.11 易0.11
乔0.11 伍0.10 庞0.10 颜0.10 倪0.10 庄0.09 聂0.09 章0.09 鲁0.08 岳0.08 翟0.08 殷0.08 詹0.07 申0.07
欧0.07 耿0.07 关0.07 兰0.06 焦0.06 俞0.06 左0.06 柳0.06 甘0.06 祝0.05 包0.05 宁0.05 尚0.05 符0.05
舒0.05 阮0.05 柯0.05 纪0.04 梅0.04 童0.04 凌0.04 毕0.04 单0.04 季0.04 裴0.04 霍0.04 涂0.04 成0.04
苗0.04 谷0.04 盛0.04 曲0.04 翁0.04 冉0.03 骆0.03 蓝0.03 路0.03 游0.03 辛0.03 靳0.03 管0.03 柴0.03
鲍0.03 华0.03 喻0.03 祁0.03 房0.03 滕0.03 屈0.03 饶0.03 解0.03 牟0.03 艾0.03 尤0.03 时0.03 穆0.03
卓0.03 古0.03 吉0.03 缪0.03 简0.03 车0.03 项0.03 连0.03 褚0.02 娄0.02 窦0.02 戚0.02 岑0.02 景0.02
费0.02 卜0.02 冷0.02 晏0.02 席0.02 卫0.02 米0.02 柏0.02 宗0.02 瞿0.02 桂0.02 应0.02 臧0.02 闵0.02
邬0.02 边0.02 卞0.02 姬0.02 仇0.02 栾0.02 商0.02 沙0.02 荣0.02 巫0.02 虞0.02 池0.02 查0.02 麻0.02
区0.01 朴0.01 盖0.01 欧阳0.008 上官0.002 司马0.001 诸葛0.001
"""


def _parse_surnames(text: str) -> tuple[list[str], list[float]]:
    names, weights = [], []
    for token in text.split():
        split = next(i for i, ch in enumerate(token) if ch.isdigit())
        names.append(token[:split])
        weights.append(float(token[split:]))
    return names, weights


SURNAMES, SURNAME_WEIGHTS = _parse_surnames(_SURNAMES)
surname = Picker(SURNAMES, SURNAME_WEIGHTS)

# Given names follow fashions: each era has its own whole names, single characters and the
# halves that are combined. Keys are the first birth year of the era.
ERAS = (0, 1950, 1970, 1985, 2000, 2010)
SINGLE_SHARE = {0: 0.10, 1950: 0.20, 1970: 0.30, 1985: 0.26, 2000: 0.12, 2010: 0.06}

_GIVEN = {
    (0, "M"): (
        "德明 国华 长生 金生 福生 根生 永福 志远 玉林 树林 海生 明德 春生 金福 荣华 正华 宝林 有才 庆祥 振华 阿根 水根 阿毛 德福",
        "福 忠 仁 义 信 寿 贵",
        "德福永长金宝荣庆有树根和顺兴志", "生林明福才发华山贵祥昌海胜成",
    ),
    (0, "F"): (
        "秀英 桂英 玉兰 秀兰 桂兰 凤英 玉英 秀珍 玉珍 淑珍 素珍 翠英 金凤 彩凤 月娥 桂花 菊花 兰英 小妹 阿凤 杏花 梅英 招娣 银娣",
        "英 兰 珍 凤 花 梅 菊",
        "秀桂玉凤金翠月素淑彩兰梅", "英兰珍花娥芳凤琴香娣妹仙",
    ),
    (1950, "M"): (
        "建国 建华 建军 国庆 国强 国平 卫国 卫东 红卫 志刚 志强 志明 建平 建明 建新 跃进 胜利 援朝 向东 学军 立新 解放 和平 永红 国良 新民 爱民",
        "军 兵 勇 强 刚 平 斌 华 明 伟 杰 涛",
        "建国卫志立红向永新学爱文明跃", "国华军民平强东新明林伟忠荣庆",
    ),
    (1950, "F"): (
        "秀珍 桂芳 玉梅 红梅 爱华 建英 美华 丽华 淑华 凤霞 彩霞 红霞 秀芳 丽萍 卫红 红英 建芬 月芬 美芳 素芬 玉芬 秀琴 爱琴",
        "红 英 华 萍 芳 琴 霞 梅 燕 玲",
        "秀红爱丽美玉建月彩淑素凤", "芳华英萍霞琴梅芬珍兰娟云",
    ),
    (1970, "M"): (
        "建军 海涛 晓东 志伟 建伟 国栋 永强 海峰 晓明 小龙 立新 文杰 俊杰 剑锋 利民 海军 小军 明亮 振宇 宏伟 新华 志勇 春雷",
        "伟 军 勇 杰 涛 斌 强 磊 峰 超 波 辉 刚 健 明",
        "海晓志建永国文俊立小宏春振明", "涛东伟军峰明强刚杰龙辉斌波勇",
    ),
    (1970, "F"): (
        "丽娟 秀梅 海燕 晓燕 春燕 丽萍 晓红 红梅 美玲 晓丽 小红 玉洁 丽华 雪梅 秀丽 艳红 海霞 春梅 晓霞",
        "静 敏 丽 燕 艳 芳 娟 霞 红 玲 萍 英 慧 莉",
        "丽晓海春秀美红雪玉艳小丹", "娟燕红丽梅霞萍玲芳艳敏静",
    ),
    (1985, "M"): (
        "子豪 宇航 晓峰 俊杰 家豪 志强 鹏飞 文博 天宇 伟杰 振华 泽宇 一鸣 晨阳 思远 子健 佳明 浩然",
        "磊 鹏 杰 涛 浩 超 帅 亮 宇 飞 强 斌 凯 鑫",
        "子宇晓俊家文天志鹏泽佳一晨思", "豪航峰杰飞博宇远明鹏轩伟涛磊",
    ),
    (1985, "F"): (
        "婷婷 晓婷 雪莹 佳慧 思思 丹丹 欣欣 倩倩 梦瑶 雨婷 佳琪 晓雪 慧敏 诗琪 丽娜 玉婷 晶晶",
        "婷 倩 雪 琳 颖 丹 洁 娜 莹 佳 敏 静",
        "晓雪佳思梦雨诗丽慧欣玉晶", "婷莹慧琪瑶雪敏娜琳颖洁倩",
    ),
    (2000, "M"): (
        "浩然 子豪 宇轩 俊杰 梓豪 博文 浩宇 子轩 一帆 宇航 家乐 嘉豪 思远 天佑 明轩 皓轩",
        "浩 宇 轩 博 杰 鑫 涛",
        "子浩宇梓俊博一家皓天明嘉", "轩豪然宇文杰帆航乐睿辰阳",
    ),
    (2000, "F"): (
        "欣怡 雨欣 诗涵 梓涵 思琪 佳怡 雨涵 可欣 梦琪 紫涵 欣妍 语嫣 佳琪 雅婷",
        "婷 琪 欣 悦 怡 涵",
        "欣雨诗梓思佳可梦紫语雅心", "怡欣涵琪萱妍婷然彤悦瑶琳",
    ),
    (2010, "M"): (
        "梓睿 宇轩 浩宇 子墨 一诺 奕辰 沐阳 铭泽 梓轩 浩然 锦程 子睿 皓轩 俊熙 睿泽",
        "宸 睿 泽 轩 航",
        "梓子宇浩一奕沐铭俊睿锦皓", "睿轩墨诺辰阳泽程熙宸航川",
    ),
    (2010, "F"): (
        "一诺 梓涵 欣怡 若汐 沐晴 雨桐 可馨 语桐 梓萱 诗涵 依诺 思语 芷若 子涵 欣妍",
        "萱 涵 瑶 悦 彤",
        "一梓若沐雨可语诗依思芷子", "诺涵汐晴桐馨萱语若彤瑶琪",
    ),
}


class GivenNames:
    """Pickers for one era and sex: whole names, single characters, and the two halves."""

    __slots__ = ("whole", "single", "first", "second", "single_share")

    def __init__(self, era: int, sex: str):
        whole, single, first, second = _GIVEN[(era, sex)]
        self.whole = zipf(whole.split(), 0.6)
        self.single = zipf(single.split())
        self.first = zipf(list(first))
        self.second = zipf(list(second), 0.5)
        self.single_share = SINGLE_SHARE[era]

    def __call__(self, rng: random.Random) -> str:
        r = rng.random()
        if r < self.single_share:
            return self.single(rng)
        if r < self.single_share + (1 - self.single_share) * 0.35:
            return self.whole(rng)
        first = self.first(rng)
        second = self.second(rng)
        return first + second if second != first else first + self.second(rng)


GIVEN_NAMES = {(era, sex): GivenNames(era, sex) for era in ERAS for sex in "MF"}


def era_of(year: int) -> int:
    return ERAS[bisect.bisect_right(ERAS, year) - 1]


# Counties of Zhejiang an office may sit in: ID area code, telephone area code, local digits.
HOME_COUNTIES = (
    ("330106", "0571", 8),  # Hangzhou, Xihu
    ("330122", "0571", 8),  # Tonglu
    ("330902", "0580", 7),  # Zhoushan, Dinghai
    ("330381", "0577", 8),  # Rui'an
    ("330783", "0579", 8),  # Dongyang
)
# Neighbouring counties of the same province (people who married or moved in).
PROVINCE_CODES = ("330102", "330105", "330109", "330110", "330182", "330183", "330903", "330921", "330302", "330702")
# Where floating residents come from: counties of the big sending provinces.
ELSEWHERE_CODES = Picker(
    ("341221", "341222", "411522", "412726", "510722", "500228", "421122", "431021", "360721", "522101",
     "452122", "622421", "230102", "220183"),
    (14, 10, 12, 8, 11, 7, 6, 6, 7, 5, 4, 3, 1, 1),
)

MOBILE_PREFIXES = zipf(
    ("138", "139", "137", "135", "136", "158", "159", "150", "151", "152", "157", "188", "187", "182", "183",
     "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "177", "178", "173",
     "199", "198", "191", "166", "176", "175", "134", "147", "193", "195"),
    0.6,
)

ETHNICITIES = Picker(("汉族", "畲族", "回族", "土家族", "苗族", "壮族", "满族", "布依族"), (985, 4, 2, 3, 3, 1.5, 1, 0.5))

# Education by birth era: (label, weight).
EDUCATION = {
    0: Picker(("文盲或半文盲", "小学", "初中", "高中", "中专"), (30, 45, 18, 5, 2)),
    1950: Picker(("小学", "初中", "高中", "中专", "大专", "本科"), (28, 40, 20, 6, 4, 2)),
    1970: Picker(("小学", "初中", "高中", "中专", "大专", "本科", "研究生"), (10, 38, 22, 10, 10, 9, 1)),
    1985: Picker(("初中", "高中", "中专", "大专", "本科", "研究生"), (20, 16, 12, 22, 25, 5)),
    2000: Picker(("初中", "高中", "中专", "大专", "本科", "研究生"), (12, 14, 12, 25, 32, 5)),
}

URBAN_JOBS = Picker(
    ("企业职工", "个体经营", "公司职员", "自由职业", "服务业", "教师", "医护人员", "公务员", "事业单位职工", "务工", "无业"),
    (30, 12, 15, 6, 10, 3, 3, 2, 4, 9, 6),
)
RURAL_JOBS = Picker(
    ("农民", "务工", "个体经营", "企业职工", "渔民", "养殖户", "村干部", "无业"),
    (38, 28, 9, 12, 4, 4, 1, 4),
)
FLOATING_JOBS = Picker(("务工", "个体经营", "快递员", "外卖骑手", "服务业", "企业职工", "保洁"), (35, 12, 8, 8, 15, 18, 4))

# Place names are built from two halves; the suffix gives the kind of place.
PLACE_FIRST = "翠清青云金银凤龙桃柳梅竹松石湖江溪东西南北新古长永安和平兴华富丰明光文德仁春秋阳星天海岭塘桥港沙林玉白紫嘉"
PLACE_SECOND = "苑园湖桥塘溪山湾岭港浦里坊门庄埠墩浜岙河泉田林港洲"
ESTATE_SUFFIX = Picker(("小区", "花园", "新村", "家园", "公寓", "苑"), (40, 18, 16, 12, 6, 8))

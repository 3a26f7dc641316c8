"""The words a robot-call transcript is read with: the data tables of kapok.needs.transcripts.

* ``CHARACTERS`` (traditional → simplified, full-width → half-width) and ``CANTONESE`` (Cantonese
  as Guangzhou's elderly speak it → Mandarin, longest phrase first) let one Mandarin lexicon read
  every transcript.
* ``CARRIER``: what the network, a voice-mail or a call assistant says.
* ``LEXICON``: every word the reader knows, each with a ``Cue``: its role (an item of a need
  kind, a predicate, a negator, a quantity of time, a need phrase, an emergency phrase, an answer,
  a context word), the need kind it belongs to, and what else the role needs (``arg``).
  ``TOKENS`` finds them in a clause, the longest word at each position.

To teach the reader a word, add it to the table of its role; a word listed twice with two
different meanings is an error at import. Words that contain a known word but mean something
else (外面 contains 面, 电话 contains 电, 心脏病 begins 心脏病发作) are listed as DECOY.
"""

import re
from typing import NamedTuple

from kapok.needs.kinds import NeedKind

F, OIL, V, M = NeedKind.FOOD, NeedKind.OIL, NeedKind.VEGETABLES, NeedKind.MEDICINE
MED, TEST, NEC = NeedKind.MEDICAL, NeedKind.TESTING, NeedKind.NECESSITIES
CARE, GUARD, SHELTER = NeedKind.CARE, NeedKind.GUARDIANSHIP, NeedKind.SHELTER
POLICY, PSY, OTHER = NeedKind.POLICY, NeedKind.PSYCHOLOGICAL, NeedKind.OTHER
# The urgencies a need phrase can carry (kapok.needs.kinds.Urgency values).
NORMAL, URGENT = "normal", "urgent"


def trie_pattern(words) -> str:
    """A regular expression matching any of ``words``, the longest one at each position."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node) -> str:
        branches = [re.escape(char) + build(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: try the longer ones first, then stop
            return "(?:" + body + ")?"
        return body

    return build(trie)


def _pairs(table: str) -> dict[str, str]:
    return dict(pair.split("=") for pair in table.split())


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


# -- characters and Cantonese -------------------------------------------------------------------

# Traditional → simplified for the characters these answers use (not a general converter).
_TRADITIONAL = (
    "沒没 藥药 無无 喫吃 飯饭 麵面 買买 賣卖 醫医 難难 幫帮 時时 這这 個个 們们 裡里 裏里 東东 "
    "點点 麼么 話话 說说 頭头 暈晕 氣气 認认 癡痴 關关 電电 斷断 來来 還还 嗎吗 謝谢 該该 夠够 "
    "糧粮 護护 顧顾 監监 離离 測测 檢检 問问 題题 緊紧 張张 慮虑 鬱郁 覺觉 腳脚 傷伤 燒烧 發发 "
    "熱热 嘔呕 瀉泻 壓压 腎肾 紙纸 潔洁 嬰婴 兒儿 孫孙 爺爷 媽妈 單单 獨独 絕绝 殺杀 樓楼 聽听 "
    "講讲 錯错 號号 碼码 撥拨 機机 線线 語语 請请 談谈 幾几 兩两 週周 頓顿 屬属 親亲 牆墙 邊边 "
    "係是 濕湿 雞鸡 魚鱼 豬猪 麪面 鹽盐 醬酱 蠔蚝 衛卫 漿浆 濟济 貼贴 補补 險险 證证 領领 應应 "
    "對对 錢钱 經经 歲岁 鐘钟 體体 燈灯 鎖锁 廁厕 館馆 鄰邻 舊旧 樣样 產产 歡欢 腦脑 癲癫 癇痫 "
    "驚惊 憂忧 悶闷 煩烦 戶户 戲戏 車车 過过 進进 運运 遠远 動动 勞劳 務务 滅灭 災灾 煙烟 爐炉 "
    "導导 層层 鬧闹 掛挂 搶抢 換换 擔担 擾扰 療疗 懷怀 帶带 歸归 員员 處处 陽阳 陰阴 隊队 隨随 "
    "雖虽 雙双 雜杂 靜静 預预 頸颈 顯显 風风 飽饱 餓饿 餵喂 馬马 驗验 髮发 鬆松 齊齐 齒齿 龍龙 "
    "夢梦 嚴严 實实 寫写 將将 專专 尋寻 鬥斗 亂乱 爭争 為为 烏乌 義义 書书 參参 雲云 亞亚 佈布 "
    "價价 傳传 僅仅 優优 兇凶 劑剂 區区 協协 華华 萬万 準准 壞坏 墊垫 塊块 態态 惡恶 憐怜 懶懒 "
    "戀恋 擁拥 攜携 斃毙 楊杨 構构 標标 榮荣 殘残 毆殴 淚泪 湯汤 溫温 滿满 漲涨 潰溃 灑洒 爛烂 "
    "犧牺 獲获 環环 現现 盡尽 碩硕 確确 禮礼 穩稳 窮穷 筆笔 築筑 紅红 約约 級级 終终 給给 絡络 "
    "統统 續续 網网 緒绪 總总 縣县 繫系 罷罢 聯联 職职 腫肿 膽胆 臟脏 興兴 艱艰 葉叶 蘭兰 蟲虫 "
    "衝冲 裝装 複复 見见 規规 觸触 託托 訴诉 診诊 試试 誤误 調调 謊谎 讓让 負负 費费 資资 趕赶 "
    "跡迹 蹤踪 躍跃 軟软 輕轻 輪轮 辦办 農农 邏逻 鄉乡 釋释 針针 鋪铺 鍋锅 長长 門门 閉闭 開开 "
    "間间 閒闲 陳陈 陸陆 靈灵 願愿 顆颗 額额 顏颜 餅饼 餃饺 饅馒 驟骤 鬍胡 鹹咸 麥麦 黃黄 齡龄 "
    "傾倾 剛刚 劇剧 勁劲 噁恶 園园 圍围 執执 堅坚 報报 塵尘 壽寿 奮奋 婦妇 寧宁 尷尴 屍尸 岡冈 "
    "廢废 廣广 廳厅 彈弹 從从 徑径 復复 恆恒 戰战 擊击 擇择 據据 擠挤 敵敌 數数 斂敛 沖冲 況况 "
    "滯滞 滲渗 滾滚 潛潜 濃浓 燙烫 營营 爾尔 牽牵 猶犹 獄狱 畫画 疊叠 瘋疯 瘡疮 癢痒 盤盘 矯矫 "
    "礙碍 祕秘 禍祸 稅税 種种 穀谷 窩窝 竇窦 筍笋 節节 範范 簡简 籃篮 粵粤 糞粪 紀纪 納纳 紛纷 "
    "紮扎 細细 紹绍 綁绑 綠绿 維维 綿绵 締缔 編编 緩缓 練练 縫缝 縮缩 繳缴 織织 繞绕 繩绳 纖纤 "
    "罰罚 羅罗 聖圣 聞闻 聲声 肅肃 脅胁 脈脉 脫脱 腸肠 膚肤 臉脸 臨临 艙舱 莊庄 蒼苍 蓋盖 蔔卜 "
    "蕭萧 藍蓝 蘇苏 蝦虾 螢萤 蠟蜡 衆众 術术 襪袜 覽览 訂订 計计 記记 訪访 設设 許许 詢询 詳详 "
    "誠诚 課课 誰谁 論论 諮咨 謀谋 謹谨 識识 議议 讀读 變变 豐丰 貝贝 貨货 販贩 貴贵 貸贷 貿贸 "
    "賠赔 賴赖 贈赠 趨趋 踐践 軍军 較较 載载 輔辅 輩辈 轉转 辭辞 遞递 遲迟 郵邮 釣钓 鈔钞 鈴铃 "
    "銀银 鋼钢 錄录 鍵键 鏈链 鐵铁 閃闪 闆板 陣阵 頁页 項项 順顺 須须 頻频 颱台 飛飞 飲饮 餘余 "
    "騙骗 驅驱 骯肮 鯉鲤 鳥鸟 鴨鸭 鵝鹅 麗丽 黨党 齋斋 嘆叹 團团 壩坝 奪夺 嬸婶 屆届 嶺岭 幣币 "
    "彌弥 憑凭 懇恳 懲惩 懸悬 拋抛 掃扫 掙挣 揀拣 損损 搖摇 攤摊 敗败 斬斩 暫暂 曬晒 歷历 殼壳 "
    "湧涌 漁渔 煉炼 燭烛 狀状 猙狰 獎奖 畢毕 瘓痪 癱瘫 盜盗 磚砖 禦御 稱称 積积 穌稣 竊窃 紐纽 "
    "絲丝 綜综 緣缘 縱纵 罵骂 羨羡 習习 膠胶 艷艳 藝艺 蘋苹 虧亏 蠻蛮 袞衮 訓训 詐诈 詞词 誇夸 "
    "譯译 豎竖 賊贼 賽赛 贊赞 蹟迹 輛辆 轟轰 辯辩 醜丑 鈕钮 鍛锻 鎮镇 閱阅 闖闯 隸隶 靂雳 韓韩 "
    "響响 頂顶 頒颁 類类 飢饥 饞馋 駕驾 髒脏 鮮鲜 鳳凤 鴻鸿 鷄鸡 黴霉 齣出 龜龟 嚨咙 嚕噜 嘩哗 "
    "噸吨 嚇吓 囉啰 圖图 墳坟 壯壮 娛娱 婁娄 嬌娇 宮宫 寢寝 屜屉 巔巅 帳帐 幟帜 廚厨 彎弯 徵征 "
    "憫悯 懼惧 拚拼 挾挟 捨舍 擬拟 擴扩 攔拦 攝摄 敘叙 啟启 於于 暉晖 曉晓 朧胧 棄弃 棟栋 檔档 "
    "櫃柜 欄栏 歐欧 殯殡 毀毁 涼凉 淺浅 渦涡 滬沪 漢汉 澀涩 濱滨 瀏浏 灣湾 燉炖 牠它 猻狲 瑣琐 "
    "璽玺 甕瓮 瘧疟 癒愈 皺皱 盞盏 睏困 瞭了 礦矿 祿禄 禪禅 穢秽 竄窜 籠笼 糰团 紗纱 絞绞 綱纲 "
    "綴缀 縛缚 繪绘 纏缠 罈坛 羋芈 翹翘 聳耸 脹胀 膩腻 艦舰 芻刍 蔥葱 薦荐 蘆芦 虜虏 蝕蚀 螞蚂 "
    "褲裤 襯衬 觀观 訊讯 訕讪 詛诅 誌志 諒谅 謎谜 謠谣 譜谱 貓猫 賬账 賭赌 贏赢 踴踊 軀躯 輸输 "
    "轄辖 迴回 遺遗 鄭郑 醞酝 鉤钩 銷销 鋒锋 錶表 鍾钟 鏡镜 闊阔 隱隐 雛雏 霧雾 靦腼 韌韧 頰颊 "
    "頹颓 顫颤 饑饥 馮冯 駁驳 騰腾 驢驴 鬢鬓 魯鲁 鯨鲸 鴉鸦 黷黩 齲龋 虛虚 嚥咽 傘伞 偽伪 僑侨 "
    "儉俭 兌兑 冪幂 凜凛 凱凯 劃划 劍剑 勢势 勵励 匯汇 厲厉 嘯啸 嚐尝 嚮向 壇坛 奧奥 媯妫 嫻娴 "
    "孿孪 寬宽 彙汇 慚惭 慣惯 慶庆 慾欲 憤愤 戧戗 扡扦 掄抡 揚扬 搗捣 撐撑 撲扑 擋挡 擼撸 攪搅 "
    "樂乐 樸朴 橋桥 檯台 歟欤 殲歼 氫氢 溝沟 滄沧 滸浒 澗涧 濁浊 濤涛 瀝沥 灘滩 燁烨 燦灿 犢犊 "
    "獅狮 璉琏 疇畴 瘍疡 瘺瘘 癟瘪 盧卢 眾众 睜睁 瞞瞒 矚瞩 禿秃 窪洼 竅窍 簽签 籌筹 糾纠 紋纹 "
    "絨绒 絹绢 綏绥 綢绸 緝缉 緯纬 繃绷 繡绣 纜缆 罌罂 翺翱 聵聩 聶聂 臘腊 臚胪 舉举 艤舣 蒞莅 "
    "蓮莲 蔣蒋 薑姜 藉借 蘊蕴 虯虬 蛻蜕 蟬蝉 蠶蚕 裊袅 褸褛 覓觅 諺谚 謁谒 謄誊 譏讥 讒谗 貪贪 "
    "貫贯 賄贿 賤贱 賦赋 贓赃 趙赵 躉趸 轍辙 迺乃 遙遥 遜逊 邇迩 釀酿 鈍钝 銜衔 錦锦 鑰钥 閘闸 "
    "闡阐 隴陇 雋隽 霽霁 靄霭 韋韦 頗颇 頌颂 顎颚 颳刮 颼飕 餿馊 騷骚 驕骄 骾鲠 鯊鲨 鶴鹤 鸚鹦 "
    "麩麸 黲黪 齟龃 齷龌"
)
CHARACTERS = {ord(pair[0]): pair[1] for pair in _TRADITIONAL.split()}
CHARACTERS.update({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})  # full-width ASCII
CHARACTERS.update({0x3000: " ", ord("．"): ".", ord("﹐"): ",", ord("､"): ","})

# Cantonese → Mandarin, longest phrase first. A phrase that a shorter rule would spoil is listed
# as itself (食用油 stays 食用油 although 食 → 吃; 今天 stays although 日 → 天).
CANTONESE = _pairs(
    """
    唔该晒=谢谢 唔该=谢谢 多谢晒=谢谢 多谢=谢谢 唔使=不用 唔驶=不用 唔洗=不用 冇所谓=无所谓
    冇嘢=没事 冇事=没事 冇问题=没问题 冇咩=没什么 冇乜=没什么 搞得掂=搞得定 搞掂=搞定
    系唔系=是不是 系咪=是不是 唔系=不是 要唔要=要不要 使唔使=用不用 可唔可以=可不可以 有冇=有没有
    得唔得=行不行 好唔好=好不好 冇嘢食=没东西吃 冇得食=没得吃 冇晒=全没有 冇得=没得 冇=没有
    食用油=食用油 食油=食用油 食物=食物 食品=食品 粮食=粮食 主食=主食 副食=副食 零食=零食
    伙食=伙食 饮食=饮食 食材=食材 食堂=食堂 食=吃 餸=菜 晒=完 生油=花生油 而家=现在 宜家=现在
    今日=今天 听日=明天 琴日=昨天 寻日=昨天 今朝=今早 琴晚=昨晚 寻晚=昨晚 听晚=明晚 头先=刚才
    啱啱=刚刚 几时=什么时候 成日=整天 成晚=整晚 就嚟=快要 日=天 今天=今天 明天=明天 昨天=昨天
    后天=后天 前天=前天 日子=日子 日常=日常 日用品=日用品 生日=生日 屋企=家 细路仔=孩子
    细路女=孩子 细路=孩子 细蚊仔=孩子 老豆=爸爸 老窦=爸爸 阿妈=妈妈 阿爸=爸爸 阿爷=爷爷 阿嫲=奶奶
    个仔=儿子 个女=女儿 个孙=孙子 佢哋=他们 佢=他 我哋=我们 你哋=你们 哋=们 边个=谁 边度=哪里
    边=哪 跌亲=摔倒 跌低=摔倒 跌=摔 起唔到身=起不来 起唔嚟=起不来 起唔返身=起不来 企唔起=站不起来
    企唔稳=站不稳 行唔到=走不了 行唔郁=走不动 行唔稳=走不稳 行路=走路 行咗出去=走出去了
    行出去=走出去 行开=走开 郁唔到=动不了 郁唔郁得=动不了 唔郁得=动不了 冇得郁=动不了
    唞唔到气=喘不上气 抖唔到气=喘不上气 透唔到气=喘不上气 透唔过气=喘不上气 喘唔到气=喘不上气
    抖唔切=喘不上气 唞气=呼吸 心口=胸口 翳=闷 好辛苦=好难受 晕低=晕倒 冇知觉=没有知觉
    冇反应=没有反应 叫唔醒=叫不醒 唔醒=不醒 肚痛=肚子痛 病咗=病了 睇医生=看医生 攰=累
    好犀利=好厉害 犀利=厉害 冲唔到凉=洗不了澡 冲凉=洗澡 落楼=下楼 脑退化=老年痴呆 懵懵哋=糊涂
    好惊=好怕 惊=怕 唔开心=不开心 冇心机=没心情 谂唔开=想不开 谂=想 瞓唔着=睡不着 瞓=睡
    唔想生存=不想生存 冇人理=没人管 冇大人=没有大人 唔见咗=不见了 唔见=不见 走失咗=走失了
    返唔到嚟=回不来 返唔到=回不到 出唔去=出不去 揾唔到=找不到 揾=找 攞=拿 畀=给 俾=给 睇=看 返=回
    嚟=来 仲=还 咗=了 嘅=的 喺=在 啲=些 乜嘢=什么 乜=什么 咩=什么 嘢=东西 咁=这么 噉=这样 啱=对
    净系得=只有 净系=只有 得个=只有个 只得=只有 得我=只有我 得佢=只有他 都得=都行 帮下手=帮一下忙
    帮手=帮忙 唔知=不知 点算=怎么办 点解=为什么 点样=怎么样 点叫=怎么叫 生存落去=生存下去
    唔够=不够 唔到=不到 唔=不 喇=了 啦=了 嘞=了 咯=了
    """
)
CANTONESE_PATTERN = re.compile(trie_pattern(CANTONESE))

# -- carrier messages ---------------------------------------------------------------------------

# A clause holding one of these is the network, a voice-mail or a call assistant talking.
CARRIER = re.compile(
    r"您所?拨打的|你所?拨打的|您所?呼叫的|已关机|无法接通|不在服务区|空号|号码不存在"
    r"|正在通话中?|通话中|无人接听|已停机|欠费停机|暂停服务|呼叫转移|语音信箱|嘟{2,}"
    r"|[提示嘀哔滴]+音后|[嘀哔滴]声后|请留言|请在.{0,6}留言|稍后再[拨打试]|请查证"
    r"|来电提醒|短信.{0,4}通知|通知机主|机主|的秘书|智能助理|不方便接听|用户忙|正忙"
    r"|呼入限制|the number you|the subscriber|power(?:ed)? off|is busy|cannot be connected"
    r"|not (?:be )?available|try again later|(?:re)?dial (?:again )?later|call again later"
    r"|leave a message|voice ?mail|out of service"
)
# Words carrier messages open with, which say nothing when no person spoke.
CARRIER_FILLER = re.compile(r"^(?:对不起|抱歉|您好|你好|sorry|hello|喂)+$")

# -- roles --------------------------------------------------------------------------------------


class Cue(NamedTuple):
    """What a word means to the reader."""

    role: str
    kind: object = None  # a NeedKind, a tuple of them, "generic" (东西), or None
    arg: object = None  # what the role needs: see the roles below
    pos: str = "both"  # a predicate may stand "pre" (before its item), "post" (after) or "both"
    gap: int = 2  # a predicate before its item: how many characters may come between


ITEM = "item"  # a supply or topic of a need kind: 米, 降压药, 低保
EITHER = "either"  # 没有/没: a negator before a predicate or phrase, a lack before an item
NEG = "neg"  # 不, 别, 不是; arg "refusal" for 不要/不用/不需要, which alone are a refusal
LACK = "lack"  # arg "now" (gone) or "soon" (running low, not delivered)
HAVE = "have"
REMAIN = "remain"  # a remaining supply; arg: the reading without a quantity ("have"/"soon")
REQUEST = "request"  # arg True when the request says it is pressing (急需)
QTY = "qty"  # a quantity of time; arg (days, vague)
WHEN = "when"  # a day; arg: days from today
NEED = "need"  # a self-contained need phrase; arg (urgency, flag), see kapok.needs.transcripts
ALARM = "alarm"  # an emergency phrase; arg: its group (fall, chest, breath, suicide, gas …)
OK = "ok"  # an answer that all is well; arg "strong", "weak" (谢谢) or "refusal"
UNCLEAR = "unclear"  # 喂, 听不清: no answer
DEFER = "defer"  # 在忙, 晚点再打: no answer
ABSENT = "absent"  # 打错了, 他不在: not the person
ASK = "ask"  # a question: 想问, 怎么, 什么时候
HYPO = "hypo"  # a worry, not an event: 怕, 万一, 小心
PAST = "past"  # 以前, 上个月
RECOVERED = "recovered"  # 起来了, 现在好了
URGENT_MARK = "urgent"  # 很急, 赶紧
CHILD = "child"  # arg True for words that are a child only when an age is said (女儿)
PERSON = "person"  # arg "parent" (妈妈: a parent after a child), "helper", "sibling"
PARENT = "parent"
ALONE = "alone"  # alone at home; arg "adultless" when no child need be named (没有大人)
ISOLATED = "isolated"  # 被隔离, 在方舱, 住院了
DEMENTIA = "dementia"
GROUND = "ground"  # 地上: with 起不来, a fall
SMELL = "smell"  # with a gas named near it, a gas leak
NOT_UP = "not_up"  # 起不来
DECOY = "decoy"  # a word containing an entry but meaning something else

PREDICATES = frozenset({EITHER, LACK, HAVE, REMAIN, REQUEST})
NEGATABLE = PREDICATES | {NEED, ALARM, ALONE, NOT_UP}
# Haves that settle what was lacking before them (女儿已经帮我买了).
RESOLVING = _words("买了 买好了 送了 送来了 送过来了 送到了 收到了 领到了 够了 解决了 有了")
# Haves that, with no item, answer that all is well (都有, 够了).
ALL_HAD = _words("都有 够了 都够 都不缺 不缺 都还有")
# Before a child (只有孩子在家): a child alone.
ONLY_WORDS = _words("只有 只剩 就剩 就只有 只剩下 就剩下 仅剩 家里只剩 家里只有 剩下")
SIBLINGS = _words("弟弟 妹妹 哥哥 姐姐")
CARERS = _words("保姆 护工 陪护 看护")
NOISE = _words("好吵 太吵 很吵 噪音")
GAS = ("煤气", "燃气", "天然气", "石油气", "液化气")
NEAR_MISS = ("差点", "险些", "差一点", "几乎")  # 差点摔倒: did not fall
# What may stand between two items of one list (米和油, 米、油, 米啊油啊).
CONNECTORS = frozenset("和跟同与及、或啊呀也都还有的,")

LEXICON: dict[str, Cue] = {}


def _add(words, cue: Cue) -> None:
    for word in words.split() if isinstance(words, str) else words:
        if LEXICON.get(word, cue) != cue:
            raise ValueError(f"{word} is both {LEXICON[word]} and {cue}")
        LEXICON[word] = cue


def _combine(*parts: str) -> list[str]:
    """Every concatenation of one word from each part (a space-separated string; a leading space
    makes the part optional)."""
    words = [""]
    for part in parts:
        words = [word + option for word in words for option in part.split(" ")]
    return words


# -- items --------------------------------------------------------------------------------------
_add(
    "爱心米 爱心包 暖心包 物资包 生活物资包 "
    "米 大米 米饭 白饭 饭 面 面条 挂面 面粉 米粉 河粉 粉面 粮 粮食 主食 口粮 干粮 吃的 吃的东西 "
    "食物 食品 奶粉 牛奶 馒头 包子 饺子 水饺 方便面 泡面 粥 饼干 面包 物资 生活物资 米面 米缸 油条 "
    "蛋糕 米和面 食材 里面粉",
    Cue(ITEM, F),
)
_add("油 食用油 花生油 菜油 菜籽油 调和油 玉米油 橄榄油 猪油 香油 麻油", Cue(ITEM, OIL))
_add("粮油 米油 米面油 油米", Cue(ITEM, (F, OIL)))
_add("油盐", Cue(ITEM, (OIL, V)))
_add("柴米油盐", Cue(ITEM, (F, OIL, V)))
_add(
    "菜 青菜 蔬菜 白菜 菜心 生菜 肉 猪肉 鸡肉 牛肉 肉类 鱼 鸡蛋 蛋 鸭蛋 水果 肉菜 菜包 蔬菜包 盐 "
    "酱油 蚝油 调料 调味料 豆腐 荤菜 新鲜蔬菜 瓜菜 新鲜的",
    Cue(ITEM, V),
)
_add(
    "止咳药 止咳糖浆 咳嗽药 止泻药 退烧贴 头痛药 胃药 消炎药 抗生素 降脂药 癫痫药 抗癫痫药 "
    "药 药品 药物 药片 中药 西药 降压药 降糖药 血压药 高血压药 糖尿病药 胰岛素 哮喘药 止痛药 "
    "感冒药 退烧药 退热药 安眠药 常用药 慢性病药 慢病药 救心丸 速效救心丸 药膏 药水 眼药水 吃的药 "
    "处方药 精神药 喷雾 喷剂 哮喘喷雾 膏药 针剂 胰岛素针 药丸",
    Cue(ITEM, M),
)
_add(
    "纸巾 卫生纸 厕纸 手纸 抽纸 纸 洗洁精 洗衣粉 洗衣液 洗发水 沐浴露 肥皂 香皂 牙膏 牙刷 毛巾 "
    "尿片 尿布 尿不湿 纸尿裤 成人纸尿裤 护理垫 卫生巾 口罩 消毒液 消毒水 酒精 洗手液 拐杖 轮椅 "
    "助听器 老花镜 眼镜 电池 灯泡 蚊香 垃圾袋 生活用品 日用品 用品 用的 煤气 煤气罐 煤气瓶 液化气 "
    "石油气 燃气 天然气 饮用水 桶装水 矿泉水 纯净水 衣服 被子 充电器 血压计 血糖仪 试纸 氧气 "
    "制氧机",
    Cue(ITEM, NEC),
)
_add(
    "水 电 钱 冰箱 热水器 空调 电视 洗衣机 门锁 锁 水管 马桶 下水道 电梯 手机 话费 猫粮 狗粮 "
    "宠物粮 宽带 网络 煤气炉 燃气灶 炉子 电饭煲 灯",
    Cue(ITEM, OTHER),
)
_add("核酸 做核酸 测核酸 核酸检测 采样 抗原 检测", Cue(ITEM, TEST))
_add(
    "低保 低收入 特困 临时救助 救助 救助金 补贴 补助 津贴 救济 救济金 政策 养老金 退休金 医保 社保 "
    "报销 残疾人补贴 残疾补贴 两项补贴 高龄津贴 高龄补贴 护理补贴 解封 封控 健康码 黄码 红码 绿码 "
    "行程码 通行证 出入证 证明 工资 房租 租金 低保金 低保卡 供养金",
    Cue(ITEM, POLICY),
)
_add("东西", Cue(ITEM, "generic"))

# -- words that contain an entry but mean something else ----------------------------------------
_add(
    "外面 上面 下面 前面 后面 对面 方面 见面 面对 面子 面前 全面 表面 当面 出面 一面 面积 加油 "
    "汽油 柴油 石油 油价 油烟 油漆 厘米 米色 菜市场 菜场 菜刀 菜单 完蛋 肌肉 鱼缸 药店 药房 "
    "医药费 电话 电脑 电费 充电 电器 电影 电台 水平 口水 水费 水电费 天气 生气 脾气 客气 力气 "
    "空气 运气 口气 一点 有点 有些 有人 有时 有时候 心脏病 高血压 糖尿病 哮喘 吃饭 吃药 低保户 "
    "低保对象 特困户 特困人员 残疾人 门口 手机号 电话号码 钱包 零花钱 打电话 打我电话 打我手机 "
    "打给我 打我的电话 打来 打扰 打工 打扫 打疫苗 打开 打算 打不通 好多 不小心 不好意思 想死你 "
    "想死你了 笑死 热死 累死 忙死 冷死 电话里 说不清楚 好多了 好像 好好 大米饭 以后 然后 之后 "
    "最后 不管 管理 没关系 没办法 办法 不知道 知道 一下 一些 有没有人 下不了楼 出不去 下楼 隔壁 "
    "抑郁症 麻烦 走不了下楼 走不下楼 不麻烦别人 不过 但是 就是 可是 只是 只不过 然而 里面 没法 "
    "没法子 不知 不晓得 想东西 想事情 想太多 想得多",
    Cue(DECOY),
)

# -- predicates ---------------------------------------------------------------------------------
_add("没有 没 没什么 没啥 无", Cue(EITHER))
_add(
    "不 别 未 不是 并不 并没有 从来没有 从没 不会 不用再 不再 不太 不怎么 倒不 并非",
    Cue(NEG),
)
# 不要/不用/不需要: a refusal on their own, a negator before a predicate or phrase.
_add("不要 不用 不用了 不需要 不需要了 不要了", Cue(NEG, arg="refusal"))
_add(
    "缺 缺少 紧缺 断 缺乏 停了 没得 买不到 买不了 抢不到 订不到 开不到 拿不到 买不着",
    Cue(LACK, arg="now"),
)
_add(
    "断了 断掉了 没了 没有了 全没了 都没了 全都没了 吃完 吃完了 用完 用完了 完了 吃光 吃光了 用光 "
    "用光了 光了 喝完了 见底 见底了 没剩 没剩了 没剩下 坏了 坏掉了 坏掉 烂了 爆了 堵了 空了 "
    "没气了 没有气了 没人收 告急 全部没了 都吃完了 最后一顿 最后一次 最后一粒 最后一包 最后一瓶 "
    "最后一支 都用完了 吃得差不多了 用得差不多了 差不多吃完了",
    Cue(LACK, arg="now", pos="post"),
)
# Not delivered, not paid, not done: a need, but nothing is said to be gone.
_add(
    "欠费 欠费了 "
    "没收到 没有收到 还没收到 没送到 没有送到 还没送到 没送来 没到 还没到 没到账 还没到账 没发 "
    "还没发 没有发 停发 没领到",
    Cue(LACK, arg="soon", pos="post"),
)
_add("没做 还没做 没有做", Cue(LACK, arg="soon"))
_add("差 就差 还差 缺点 差点 少了", Cue(LACK, arg="soon", pos="pre"))
_add("没吃到 没吃过 没有吃到 没有吃过 吃不到", Cue(LACK, arg="soon", pos="pre", gap=4))
_add(
    "快没了 快没有了 快没 快要没了 快要没有了 就快没了 快吃完 快吃完了 快要吃完 快要吃完了 快用完 "
    "快用完了 快要用完 快要用完了 快断了 快断 不多了 不多 不太多 不太多了 没多少 没多少了 剩不多 "
    "剩得不多 剩的不多 剩下不多 不够 不够了 不太够 不太够了 不够用 不够吃 有点不够 差不多没了 "
    "快见底 快见底了 只有一点 只剩一点 就剩一点 剩一点 剩一点点 只剩一点点 所剩无几 不够用了 "
    "就要没了 快要断了 不到一半 没有一半 只有一半 剩一半 只剩一半",
    Cue(LACK, arg="soon", pos="post"),
)
_add("要 求 想", Cue(REQUEST, arg=False, pos="pre", gap=0))
_add(
    "买点 买些 送点 送些 给点 给些 要点 要些 领点 拿点 开点 开些",
    Cue(REQUEST, arg=False, pos="pre", gap=1),
)
_add(
    "需要 想要 想买 要买 买一 帮忙买 帮我买 帮买 帮忙送 帮我送 送一 送一些 要一些 要一点 想领 "
    "帮忙拿 帮我拿 麻烦送 能不能送 可以送 想要点 想买点 需要点 帮忙 帮我 帮一下忙 送一袋 买一袋",
    Cue(REQUEST, arg=False, pos="pre", gap=3),
)
_add("急需 急要 急用", Cue(REQUEST, arg=True, pos="pre", gap=3))
_add(
    "有 也有 足够 充足 不缺 不少 很多 囤了 屯了 囤够了 备了 备好了 准备了 买了 买好了 送了 送来了 "
    "送过来了 开了 刚开 开好了 做了 有得吃 有剩 倒是有 家里有 都还有 还是有 解决了 有了 备足了 "
    "备足 备齐了 备够了 买够了 囤足了 准备好了 都备好了 配了 刚配",
    Cue(HAVE),
)
_add(
    "都有 有的 是有的 够了 都不缺 吃不完 发了 发过了 领了 领到了 收到了 到了 到账了 送到了 "
    "做过了 已经做了 已经做过了 做完了 还剩很多 都够 都还够 够的",
    Cue(HAVE, pos="post"),
)
# A remaining supply: with a quantity of time, a lack under a week and a have from a week;
# without one, what ``arg`` says (还有: had; 只剩: running low).
_add(
    "还有 剩 剩下 还剩 还剩下 还能吃 能吃 还可以吃 还能用 能用 还能撑 能撑 撑 顶 还够 够 够吃 够用 "
    "还够吃 还够用 应该够 可以吃 可以用",
    Cue(REMAIN, arg="have"),
)
_add("只剩 只剩下 就剩 就剩下 仅剩 只够 只够吃 只够用 就够 只能吃 只能撑", Cue(REMAIN, arg="soon"))
_add("只有 就只有 家里只剩 家里只有", Cue(REMAIN, arg="have"))


# -- quantities of time -------------------------------------------------------------------------
_NUMERALS = dict(zip("一二两三四五六七八九十", (1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10), strict=True))
_SPECIAL = {"半": (0.5, False), "几": (3.0, True), "十几": (11.0, True), "几十": (30.0, True)}


def count(numeral: str) -> tuple[float, bool] | None:
    """The number a numeral says (the lower end of a range) and whether it is vague.

    count("两") == (2, False); count("三四") == (3, False); count("几") == (3, True);
    count("十几") == (11, True); count("半") == (0.5, False); count("12") == (12, False).
    """
    if numeral.isdigit():
        return float(numeral), False
    if numeral in _SPECIAL:
        return _SPECIAL[numeral]
    if len(numeral) == 2 and "十" not in numeral and all(c in _NUMERALS for c in numeral):
        first, second = _NUMERALS[numeral[0]], _NUMERALS[numeral[1]]
        # 两三, 五六: a range, read at its lower end
        return (float(first), False) if second == first + 1 else None
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        if (tens and tens not in _NUMERALS) or (units and units not in _NUMERALS):
            return None
        value = (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)
        return float(value), False
    if numeral in _NUMERALS:
        return float(_NUMERALS[numeral]), False
    return None


_UNITS = {"天": 1, "晚": 1, "夜": 1, "顿": 1 / 3, "餐": 1 / 3, "周": 7, "星期": 7, "礼拜": 7}
_UNITS_AFTER_GE = {"星期": 7, "礼拜": 7, "月": 30, "钟头": 1 / 24, "小时": 1 / 24, "晚上": 1}
_COUNTS = [
    *_NUMERALS,
    *_words("几 十几 几十 半 一两 两三 三四 四五 五六 六七 七八 八九 二十 三十 十五"),
    *(f"十{digit}" for digit in "一二三四五六七八九"),
    *(str(number) for number in range(1, 100)),
]
for _numeral in _COUNTS:
    _value, _vague = count(_numeral)
    for _unit, _days in _UNITS.items():  # 两天, 三顿, 一周
        _add(_numeral + _unit, Cue(QTY, arg=(_value * _days, _vague)))
    for _unit, _days in _UNITS_AFTER_GE.items():  # 两个星期, 半个月, 一个多月
        _add(_numeral + "个" + _unit, Cue(QTY, arg=(_value * _days, _vague)))
        # 一个多月: more than a month, read at its lower end
        _add(_numeral + "个多" + _unit, Cue(QTY, arg=(_value * _days, _vague)))
    _add(_numeral + "多天", Cue(QTY, arg=(_value, _vague)))
_add("个把月", Cue(QTY, arg=(30.0, True)))
_add("十来天", Cue(QTY, arg=(10.0, True)))
_add("大半个月", Cue(QTY, arg=(20.0, False)))
_add("今天的 今天的量 一天的量", Cue(QTY, arg=(0.5, False)))
_add("没几天 没有几天", Cue(LACK, arg="soon", pos="post"))
_add("今天 今晚 今天晚上 今早 今天早上 今天中午 现在 马上 立刻 今天下午", Cue(WHEN, arg=0))
_add("明天 明早 明晚 明天晚上 明天早上 明天中午", Cue(WHEN, arg=1))
_add("后天", Cue(WHEN, arg=2))
_add("大后天 这几天 过几天", Cue(WHEN, arg=3))
_add("这两天 过两天", Cue(WHEN, arg=2))

# -- self-contained need phrases: (urgency, flag) -----------------------------------------------
_add("没得吃 没有得吃", Cue(NEED, F, (URGENT, "eat")))  # of medicine, when medicine was named
_add(
    "没饭吃 没有饭吃 没东西吃 没有东西吃 没吃东西 没有吃东西 饿 好饿 很饿 饿了 饿肚子 饿死 "
    "饿坏 揭不开锅 断粮 断顿 没有吃的 没吃的 吃不上饭 吃不上",
    Cue(NEED, F, (URGENT, None)),
)
_add("断药 停药", Cue(NEED, M, (URGENT, None)))
_add("快断药 开药 拿药 配药 买药", Cue(NEED, M, (NORMAL, None)))
# MEDICAL: symptoms are urgent; a visit to a doctor is urgent but yields to a scheduled reason or
# a medicine need in the same clause ("weak"); scheduled care is normal.
_add(
    "发烧 发热 高烧 发高烧 低烧 烧到 咳嗽 咳 咳得 喉咙痛 嗓子痛 头痛 头疼 头晕 晕 肚子痛 肚子疼 "
    "胃痛 胃疼 腰痛 腿痛 脚痛 牙痛 痛 疼 痛得 疼得 呕吐 吐了 拉肚子 腹泻 不舒服 身体不舒服 病了 "
    "生病 病得 血压高 血压很高 血压好高 血糖高 心跳快 心跳很快 喘 气喘 过敏 发炎 感染 伤口 受伤 "
    "摔伤 扭伤 骨折 肿 抽筋 吐个不停 一直吐 吐 站不稳 走不稳 痛得受不了 疼得受不了 痛死 疼死 流血 "
    "手脚发麻 发麻 麻 退不下来 退不了烧 透析 化疗 放疗 不舒适 痛了 疼了 起不了身 虚脱 拉稀 头昏 "
    "头昏眼花 眼花 看不清 看不见 眼睛模糊 很模糊 病倒 病倒了 发冷 浑身没力 没力气 全身无力 吐泻",
    Cue(NEED, MED, (URGENT, None)),
)
_add(
    _combine("血压 血糖", " 很 好 特别 有点 非常 太 一直", "高 低"), Cue(NEED, MED, (URGENT, None))
)
# Hunger said with a time (两天没吃饭): food, urgent; 还没吃午饭 is not it.
_add("没吃饭 没有吃饭 没吃过饭 没吃过东西 没吃 没吃了", Cue(NEED, F, (URGENT, "hunger")))
# A racing heart: medical, unless it is said among feelings (then it is anxiety).
_add("心慌 心慌慌 心里慌 发慌 难受 好难受 很难受", Cue(NEED, MED, (URGENT, "anxious")))
_add("去医院 上医院 看医生 看病 就医 急诊 门诊 想去医院 要去医院", Cue(NEED, MED, (URGENT, "weak")))
_add(
    "复查 复诊 产检 体检 定期检查 检查 拆线 换药 康复 预约 打针",
    Cue(NEED, MED, (NORMAL, "scheduled")),
)
_add(
    "上门核酸 上门采样 上门检测 上门做核酸 上门测核酸 上门测 上门做检测",
    Cue(NEED, TEST, (NORMAL, None)),
)
_add(
    _combine("没 没有 无", "人", "帮 帮忙 帮我 照顾 照顾我 照料 做饭 煮饭 买菜 送饭 送菜 帮我买菜"),
    Cue(NEED, CARE, (NORMAL, None)),
)
# Nobody minds me: care, unless it is said with suicide talk (then the call-back covers it).
_add("没人管 没有人管 没人理 没有人理 没人管我 没人理我", Cue(NEED, CARE, (NORMAL, "neglect")))
_add(
    "需要人照顾 需要人帮忙 要人照顾 要人帮忙 找人帮忙 帮忙洗澡 帮我洗澡 帮忙打扫 打扫卫生 请人帮忙 "
    "请人来帮忙 搞卫生 "
    "没人做饭 没人煮饭 照顾不了 一个人照顾 吃不消 护工 保姆 陪护 看护 护理 行动不便 "
    "需要人陪 没人送饭 没人买菜 帮忙买菜",
    Cue(NEED, CARE, (NORMAL, None)),
)
# Someone who cannot cope alone: CARE and urgent.
_add(
    "瘫痪 瘫在床上 瘫在床 卧床 卧床不起 不能自理 生活不能自理 自理不了 下不了床 起不了床 动不了 "
    "不能动 动不得 走不了 走不了路 走不动 走不动路 大小便失禁 失禁 照顾不过来",
    Cue(NEED, CARE, (URGENT, "cannot_cope")),
)
_add(
    "孩子没人管 孩子没人照顾 没人看孩子 没人带孩子 没人管孩子 没人照顾孩子 无人监护 没人监护",
    Cue(NEED, GUARD, (URGENT, None)),
)
_add(
    "回不了家 回不去家 回不去 回不到家 回不了 回家不了 困在外面 被困在外面 滞留 住宿 进不了家 "
    "回不到 进不去 进不了小区 进不去小区 回不了小区",
    Cue(NEED, SHELTER, (NORMAL, "stuck")),
)
_add(
    "没地方住 没有地方住 没地方睡 没有地方睡 没地方去 没有地方去 无处可去 无家可归 睡在外面 睡外面 "
    "睡街 睡街上 睡在街上 露宿 露宿街头 流落街头 被赶出来 赶出来 住哪里 睡哪里 住哪 没有住的地方 "
    "没住的地方 找不到住的地方 没地方落脚 在马路边 在路边 睡马路 睡路边 在外面过夜 没地方过夜 "
    "不让住 睡在车里 睡车里",
    Cue(NEED, SHELTER, (URGENT, None)),
)
_add(
    "心情不好 心情很不好 心情不太好 心情很差 心情差 心情好差 心情很糟 心情糟糕 心情低落 心情郁闷 "
    "没心情 情绪不好 情绪低落 情绪很差 情绪不稳定 心里难受 心里不舒服 心里很难受 心里好难受 心里苦 "
    "心里不好受 失眠 焦虑 好焦虑 很焦虑 紧张 好紧张 "
    "很紧张 害怕 好怕 很怕 恐惧 吓死 担惊受怕 抑郁 郁闷 压力大 压力很大 压力好大 想哭 天天哭 "
    "孤独 好孤独 寂寞 孤单 没人说话 没人聊天 没人陪 没人讲话 想找人聊 想找人聊聊 "
    "想找人说话 想找人说说话 说说话 聊聊天 闷得慌 好闷 很闷 闷死 闷坏了 受不了 胡思乱想 不开心 "
    "想不通 心理咨询 心理疏导 精神压力 气死 想聊聊 找人聊聊 找人聊天 痛苦 很痛苦 好痛苦 太痛苦 "
    "提心吊胆 心神不宁 坐立不安 惶恐 慌张 担心死了 胆战心惊",
    Cue(NEED, PSY, (NORMAL, None)),
)
_add(
    _combine(
        "心情 情绪 心里",
        " 也 都 就 真的 一直 有点 很 好 非常 特别 也很 也有点",
        "不好 很差 差 好差 低落 不太好 糟糕 难受 不舒服 郁闷 苦 不好受",
    ),
    Cue(NEED, PSY, (NORMAL, None)),
)
# Sleeplessness: emotional support, unless pain or noise keeps the person awake.
_add("睡不着 睡不着觉 睡不好 睡不好觉 整晚睡不着", Cue(NEED, PSY, (NORMAL, "sleep")))
# Annoyance: emotional support, unless it is the calls that annoy (a refusal).
_add("烦 很烦 好烦 烦死 烦死了 烦躁 心烦 好烦躁", Cue(NEED, PSY, (NORMAL, "annoyance")))
_add(
    "崩溃 快崩溃 要崩溃 绝望 撑不住 扛不住 顶不住 熬不住 熬不下去 撑不下去 坚持不下去 熬不过去 "
    "到极限",
    Cue(NEED, PSY, (URGENT, None)),
)
# Crying: emotional support, unless it is a child who cries.
_add("一直哭 经常哭 哭个不停 整天哭", Cue(NEED, PSY, (NORMAL, "cry")))
_add(
    "停电 断电 停水 断水 漏水 水管爆了 交不起 付不起 被骗 诈骗 噪音 好吵 太吵 很吵 垃圾 猫砂",
    Cue(NEED, OTHER, (NORMAL, None)),
)
# A difficulty not said: other, only when nothing more specific is said.
_add("困难 有困难 有点困难 生活困难 很困难 难处", Cue(NEED, OTHER, (NORMAL, "unspecified")))

# -- emergencies: (kind, group) -----------------------------------------------------------------
_INTENSIFIERS = (
    " 有点 有些 好 很 特别 非常 一直 突然 一阵阵 一阵一阵 又 都 真的 老是 总是 阵阵 剧烈 超级"
)
_add(
    "摔 摔倒 摔倒了 摔了 摔跤 摔了一跤 摔一跤 摔了一下 摔下来 摔下床 摔在地上 跌倒 滑倒 绊倒 "
    "倒在地上 倒地 跌在地上 倒在厕所 倒在床边 坐在地上 躺在地上 摔在 倒下 倒下了 突然倒下 倒在 "
    "睡在地上 睡在地下 躺在地下 躺地上 摔落 摔下楼梯 摔落楼梯 滚下来 滚下楼梯 滚下楼 摔下楼 跌落 "
    "滚了下来",
    Cue(ALARM, MED, "fall"),
)
_add("摔过 晕倒过 摔过一次 晕过", Cue(ALARM, MED, "fall_past"))
_add(
    _combine("胸口 胸 心脏", _INTENSIFIERS, "痛 疼 闷 紧 不舒服 难受 压着 闷痛 绞痛 刺痛 翳"),
    Cue(ALARM, MED, "chest"),
)
_add(
    _combine(
        "胸口 胸",
        " 像 好像 好似 像是 被 好像有 像有 好似有",
        "压 压着 压了 有东西压 有东西压住 堵 堵着 压住 块大石 块石头 大石 石头",
    ),
    Cue(ALARM, MED, "chest"),
)
_add(
    "胸闷 胸痛 心绞痛 心梗 心肌梗塞 心肌梗死 心脏病发 心脏病发作 心脏病又发作 心脏病又发 "
    "心脏病犯了 心脏病又犯了 心脏骤停",
    Cue(ALARM, MED, "chest"),
)
_add(
    "喘不上气 喘不过气 喘不过来 喘不上来 喘不了气 透不过气 透不了气 透不上气 透不到气 上不来气 "
    "气上不来 吸不上气 吸不进气 喘得厉害 喘得很厉害 喘得好厉害 喘得不行 喘个不停 憋气 憋得慌 憋死 "
    "憋得难受 气促 气紧 气短 哮喘发作 哮喘又发作 没有呼吸 没呼吸 断气 嘴唇发紫 嘴唇紫 全身发紫 "
    "脸发紫 嘴唇都紫了 发紫",
    Cue(ALARM, MED, "breath"),
)
_add(
    _combine(
        "呼吸", _INTENSIFIERS, "困难 不了 不过来 急促 不畅 费力 难受 不上来 不顺 很弱 好弱 弱"
    ),
    Cue(ALARM, MED, "breath"),
)
_add(_combine("喘得", " 好 很 非常 特别", "难受 厉害 不行 辛苦"), Cue(ALARM, MED, "breath"))
_add(
    "叫不醒 叫都叫不醒 叫都不醒 叫也不醒 怎么叫都不醒 喊不醒 喊都不醒 摇不醒 拍不醒 叫不应 "
    "叫不答应 醒不过来 醒不来 不醒 晕倒 晕倒了 晕过去 晕了过去 昏倒 昏过去 昏迷 不省人事 人事不省 "
    "失去意识 没有意识 没意识 没知觉 没有知觉 晕厥 休克 抽搐 口吐白沫 没心跳 没有心跳 晕死 翻白眼 "
    "眼睛往上翻 眼睛上翻 突然抽筋 全身抽筋 抽起来 抽风 倒下去 迷迷糊糊 神志不清 意识不清",
    Cue(ALARM, MED, "unconscious"),
)
_add("没有反应 没反应 没什么反应 一点反应都没有", Cue(ALARM, MED, "no_response"))
_add("晕了 晕咗", Cue(ALARM, MED, "faint_person"))  # 他晕了: fainted; 有点晕了: dizzy
_add(
    _combine(
        "叫 喊 怎么叫 点叫 叫了半天 拍 摇 推 怎么拍 怎么摇 怎么推 怎么弄",
        " 他 她 人 佢 都",
        " 也 都",
        "不应 不醒 不答应 没反应 没有反应 不理",
    )
    + _combine("叫 喊", "不应 不醒 不答应"),
    Cue(ALARM, MED, "unconscious"),
)
_add(
    "流了很多血 流了好多血 流很多血 流好多血 好多血 很多血 流血不止 血流不止 止不住血 血止不住 "
    "大出血 吐血 出好多血 出了很多血 出了好多血 一直流血 血一直流 流不停 流个不停 血止不住了 "
    "血流不停 血一直在流 满地都是血 好多血",
    Cue(ALARM, MED, "bleeding"),
)
_add(
    "嘴角歪 嘴角歪了 嘴巴歪 口角歪 脸歪 面歪 手抬不起来 抬不起手 "
    "中风 嘴歪 口歪眼斜 口眼歪斜 半边身子动不了 半边身动不了 半边身子不能动 半边身不能动 "
    "半边身子麻 半边身麻 半身麻 突然说不出话 说不出话 说不了话",
    Cue(ALARM, MED, "stroke"),
)
_add("要生了 快生了 羊水破了 破水了 见红了 阵痛 宫缩", Cue(ALARM, MED, "labour"))
_add(
    _combine("吃了 吞了", " 很多 好多 一整瓶 一瓶 整瓶 一大把 一把 半瓶 一堆", " 的", "安眠药 药"),
    Cue(ALARM, MED, "poison"),
)
_add(
    "喝了农药 喝农药 吃了农药 喝了敌敌畏 中毒 煤气中毒 食物中毒 吃错药 吃错了药 误服 误吃 喝错了 "
    "吞了",
    Cue(ALARM, MED, "poison"),
)
_add(
    "叫救护车 叫了救护车 要救护车 打120 打了120 120 急救 快不行了 要死了 快死了 快要死了",
    Cue(ALARM, MED, "help"),
)
_add("救命 救救我 快来人 来人啊 帮帮我", Cue(ALARM, None, "help"))
_add(
    "不想活 不想再活 不想活了 不想活下去 不想再活下去 不想生存 不想再生存 活不下去 活不成了 想死 "
    "想去死 寻死 寻短见 想自杀 自杀 轻生 想不开 跳楼 跳河 跳海 跳下去 割腕 上吊 一了百了 死了算了 "
    "死了算 死了好 死了就好 死了好过 不如死了 不如去死 还不如死 生无可恋 结束生命 结束自己 "
    "了结自己 了断 一死了之 死了之 不想活下去了 活够了 早点死 去死算了 遗书 遗言 交代后事 怎么死 "
    "走了算了 不想拖累 不想再拖累 是个累赘 成了累赘 活得没意思 不想醒来",
    Cue(ALARM, PSY, "suicide"),
)
_add(
    _combine(
        "活着",
        " 真 都 也 真的 实在 还",
        "没意思 没有意思 没什么意思 有什么意思 没意义 没有意义 有什么意义 没盼头 没有盼头 没劲 "
        "一点意思都没有 一点意思也没有 一点都没意思 没有一点意思 一点盼头都没有",
    ),
    Cue(ALARM, PSY, "suicide"),
)
_add(
    _combine(
        "准备了 准备好 准备好了 存了 攒了 囤了 偷偷买了 买好了",
        " 一瓶 好多 很多 一堆 一大瓶 一根 一条 一包",
        "安眠药 绳子 农药 木炭 炭",
    ),
    Cue(ALARM, PSY, "suicide"),
)
_add(
    "煤气味 燃气味 天然气味 石油气味 液化气味 煤气泄漏 煤气泄露 燃气泄漏 燃气泄露 天然气泄漏 漏气 "
    "漏煤气 漏燃气 煤气漏了 煤气漏气 闻到煤气 闻到燃气 一股煤气 有煤气味 燃气漏了",
    Cue(ALARM, OTHER, "gas"),
)
_add("漏 漏了 泄漏 泄露 漏出来 嘶嘶响", Cue(ALARM, OTHER, "leak"))  # with a gas named near it
_add(
    "着火 起火 失火 火灾 冒烟 好多烟 烧起来 着火了 有火 火很大 火好大 烟很大 烟好大 冒上来 浓烟",
    Cue(ALARM, OTHER, "fire"),
)
_add(
    "打人 打我 被打 家暴 打老婆 打老公 打孩子 打小孩 打仔 动手打 砍人 拿刀 持刀 杀人 要杀 威胁我 "
    "强奸 性侵 打得好惨 被人打",
    Cue(ALARM, OTHER, "violence"),
)
_add("走丢 走丢了 走失 走失了 失踪 下落不明", Cue(ALARM, OTHER, "missing"))
_add("不见了 找不到人 找不到他 找不到她 找不着人 人不见了", Cue(ALARM, OTHER, "missing_person"))
_add(
    "出去没回来 没回来 没有回来 还没回来 都没回来 一直没回来 跑出去了 跑出去 走出去了 出去了 "
    "出门了 跑了 跑丢了 找不到 找都找不到 到处找 找了一天 找了一上午 找了一晚上 出门后 还没找到 "
    "没找到 找不到了 找不着 出门到现在",
    Cue(ALARM, OTHER, "not_back"),
)

# -- context ------------------------------------------------------------------------------------
_add(
    "闻到 气味 味道 臭味 好臭 有味 一股味 怪味 味好大 味道好大 像是煤气 像煤气 好像是煤气",
    Cue(SMELL),
)
_add("起不来 爬不起来 起不了 站不起来 扶不起来 扶不起 扶不动 抬不起来", Cue(NOT_UP))
_add("地上 地下 地板", Cue(GROUND))
_add(
    "以前 之前 上次 前几天 前两天 昨天 昨晚 前天 上个星期 上个礼拜 上周 上星期 上个月 去年 早几天 "
    "那次 早些时候",
    Cue(PAST),
)
_add(
    "起来了 爬起来了 站起来了 扶起来了 扶起来 扶起了 起身了 没受伤 没摔伤 不要紧 没大碍 已经好了 "
    "现在好了 好了",
    Cue(RECOVERED),
)
_add("怕 担心 万一 如果 要是 假如 防止 以免 免得 小心 预防 容易 会不会 怕会 提防", Cue(HYPO))
_add("弟弟 妹妹 哥哥 姐姐", Cue(PERSON, arg="sibling"))
_add("很急 好急 马上要 赶紧 急 着急 尽快 快点", Cue(URGENT_MARK))
_add(
    "孩子 小孩 小孩子 小朋友 儿童 宝宝 婴儿 孙子 孙女 外孙 外孙女 男孩 女孩 学生 BB bb 小的",
    Cue(CHILD),
)
_add("儿子 女儿", Cue(CHILD, arg=True))
_add(
    "父母 爸妈 爸爸妈妈 家长 监护人 孩子他爸 孩子他妈 孩子爸 孩子妈 他爸妈 孩子的爸爸 孩子的妈妈",
    Cue(PARENT),
)
_add("妈妈 爸爸 妈 爸 母亲 父亲", Cue(PERSON, arg="parent"))
_add(
    "他 她 人 老人 老人家 老伴 老公 老婆 奶奶 爷爷 外婆 外公 婆婆 公公 阿婆 阿公 阿伯 阿姨 老头 "
    "老头子 老太 老太太 叫 喊 推 拍 摇 老豆",
    Cue(PERSON),
)
# People who help: what they buy or bring for the person is not a request.
_add(
    "邻居 社区 志愿者 居委 居委会 街道 物业 朋友 亲戚 家人 家里人 网格员", Cue(PERSON, arg="helper")
)
_add(
    "一个人在家 一个人在家里 自己在家 自己在家里 独自在家 单独在家 一个在家 自己一个 自己一个人 "
    "自己一个在家 无人看管 没人看着 一个人留在家",
    Cue(ALONE),
)
_add(
    _combine(
        "一个人 自己 独自 单独 自己一个 一个",
        "在家 在家里 在屋里 在房间 留在家 在家中 待在家 呆在家",
    ),
    Cue(ALONE),
)
_add("没有大人 没大人 没有大人在 没大人在 家里没大人 家里没有大人", Cue(ALONE, arg="adultless"))
_add(
    _combine(
        "大人", " 都 全 全部 全都", "不在 不在家 没在 没在家 出去了 被隔离了 被拉走了 阳性被拉走了"
    ),
    Cue(ALONE, arg="adultless"),
)
_add(
    "被隔离 隔离了 被拉去隔离 拉去隔离 拉走了 被拉走 被带走 送去隔离 去隔离 在隔离 集中隔离 在方舱 "
    "去了方舱 方舱 隔离 住院了 住院 进不来 被隔离在 拉去了",
    Cue(ISOLATED),
)
_add(
    "老人痴呆 老年痴呆 痴呆 认知症 认知障碍 失智 阿尔茨海默 阿尔茨海默症 阿兹海默 老糊涂 糊涂 "
    "不认得路 不认识路 认不得路 迷路 记不住路",
    Cue(DEMENTIA),
)
_add(
    "想问 问一下 问问 问下 请问 咨询 了解 怎么 怎样 怎么样 如何 什么时候 多久 多少 哪里 能不能 "
    "可不可以 可以吗 吗 呢 要不要 有没有 是不是 能否 怎么办 想知道 几号 什么条件 咋办 啥时候 "
    "有什么",
    Cue(ASK),
)
_add(
    "没事 没什么事 没问题 还好 挺好 很好 都好 都挺好 好得很 不错 一切正常 正常 都正常 平安 都可以 "
    "还可以 还行 过得去 放心 不用担心 不用操心 不担心 什么都不缺 都不缺了 什么都有 搞定 搞得定 "
    "自己搞定 没困难 身体好 健康 都很好 不麻烦 没啥事 挺好的 无所谓 都行 不缺东西 什么也不缺 "
    "啥都不缺 啥都有 不缺什么 好好的 没什么困难 都还好 蛮好 还不错 不用管我 没有困难 没难处 "
    "不是一个人 有人看着 有人照顾 有人陪",
    Cue(OK, arg="strong"),
)
_add("谢谢 好的 知道了 收到 可以的 辛苦了 辛苦你们了 感谢", Cue(OK, arg="weak"))
_add(
    "别打了 别再打 别再打来 不要打了 不要再打 不要再打来 别打来 烦不烦 骗子 挂了 别管我 不要管我 "
    "不用打了 打什么打 又打来 天天打电话 天天打来 又打电话 烦死你们 烦死你们了",
    Cue(OK, arg="refusal"),
)
_add(
    "喂 听不清 听不清楚 听不见 听不到 听不懂 听不明 听不太清楚 听不太清 说什么 讲什么 你说啥 说啥 "
    "什么意思 再说一遍 大声点 大声一点 信号不好 哪位 你是谁 是谁 谁啊 哪里打来 你们是哪里 你们哪里 "
    "嗯 哦 啊 听不明白 你讲什么",
    Cue(UNCLEAR),
)
_add(
    "在忙 没空 晚点再打 晚点再说 晚点打 等会再打 等一下 等下 回头再说 开车 在开车 开会 在开会 改天 "
    "待会再打 待会打 待会再说 过会再打 迟点再打 一会再打 再打过来 等等 在做饭",
    Cue(DEFER),
)
_add(
    "打错了 打错电话 打错 找错人 找错了 没有这个人 没这个人 不认识 不是他 不是本人 他不在 她不在 "
    "人不在 不在家 搬走了 去世了 过世了 去世 过世",
    Cue(ABSENT),
)


TOKENS = re.compile(trie_pattern(LEXICON))

# The unit layout SimdIm2col (native/src/cpu/conv2d.cpp) picks for the bench's conv slices on the H200 host's CPU
# side (15 threads, AVX-512: 64-column panels, 6-row tiles), re-derived in Python: old = before commit 57276e9,
# NEW=1 = its split-K part count. Prints path, units and the busiest thread's share. Only for reading the A/B.
import math
refs=[("7b-1x3",(1,384,8,8,384,1,3,1,1,0,1)),("7b-3x1",(1,384,8,8,384,3,1,1,1,1,0)),("r50c5",(1,512,7,7,512,3,3,1,1,1,1)),
("r18l3",(1,256,14,14,256,3,3,1,1,1,1)),("6b-1x7",(1,128,17,17,128,1,7,1,1,0,3)),("mbv2",(1,320,7,7,1280,1,1,1,1,0,0)),
("r50c3",(1,128,28,28,128,3,3,1,1,1,1)),("r18l1",(1,64,56,56,64,3,3,1,1,1,1)),("r50c2r",(1,256,56,56,64,1,1,1,1,0,0)),("r18c1",(1,3,224,224,64,7,7,2,2,3,3))]
T=15; cols=64; nnRows=6; W=16
def dims(s):
    b,C,H,Wd,F,R,S,sh,sw,ph,pw=s
    P=(H+2*ph-R)//sh+1; Q=(Wd+2*pw-S)//sw+1
    return P,Q
for name,s in refs:
    b,C,H,Wd,F,R,S,sh,sw,ph,pw=s
    P,Q=dims(s)
    for r in (0.1,0.2,0.3):
      for alongH in (False,True):
        rows = max(1,min(P,int(r*P+0.5))) if alongH else max(16,min(F,int(r*F/16+0.5)*16))
        f1 = F if alongH else rows; p1 = rows if alongH else P
        NQ=p1*Q; inPlace = R==1 and S==1 and sh==1 and sw==1 and ph==0 and pw==0
        panels=(NQ+cols-1)//cols
        tiles=(f1+nnRows-1)//nnRows
        best=-1;tpc=tiles
        for t in range(tiles,0,-1):
            u=b*panels*((tiles+t-1)//t); c=(u+T-1)//T*t
            if best<0 or c<best: best=c;tpc=t
        chunks=(tiles+tpc-1)//tpc
        fused = (not inPlace) and b*panels>=T
        CRS=C*R*S; perPanel=(T+b*panels-1)//(b*panels); parts=min(perPanel,CRS//32)
        import os
        if os.environ.get('NEW'):
            tasks=b*panels; more=parts+1
            while more<=CRS//32 and chunks*CRS>2*more*f1:
                bz=lambda n:(tasks*n+T-1)//T*((CRS+n-1)//n+16)
                if bz(more)<bz(parts): parts=more
                more+=1
        # work in "full-tile column registers": narrow last panel weight
        last=NQ-(panels-1)*cols; wlast=math.ceil(last/W)/4
        if (not inPlace) and (not fused) and parts>=2 and chunks*CRS>2*parts*f1:
            units=b*panels*parts
            path=f"splitK parts={parts} units={units} busiest(panel frac)={math.ceil(units/T)/parts:.3f} ideal={b*panels/T:.3f}"
        else:
            units=b*panels*chunks
            path=f"{'fused' if fused else 'inplace' if inPlace else 'shared'} chunks={chunks} tpc={tpc} units={units} busiest={math.ceil(units/T)}x{tpc}tiles ideal={b*(panels-1+wlast)*tiles/T:.2f}"
        print(f"{name:7} {'h' if alongH else 'f'} {r} rows={rows:4} NQ={NQ:5} panels={panels:3} last={last:2} {path}")

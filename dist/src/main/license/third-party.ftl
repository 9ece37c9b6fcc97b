<#-- licences/THIRD-PARTY.txt of the tarball: one block per jar in lib/ that is not Quiver's own,
     with the licence(s) its pom declares (names merged by the pom's licenseMerges) and their URLs. -->
Third-party software in lib/

Quiver is licensed under the Apache License, Version 2.0 (LICENSE). lib/ also holds the
${dependencyMap?size} libraries below (a library with native code may come as one jar per platform,
lib/GROUP.ARTIFACT-VERSION-PLATFORM.jar), each under the licence(s) named, as its Maven pom
declares them. Most jars carry their own LICENSE and NOTICE files under META-INF/.

<#list dependencyMap as e>
<#assign p = e.getKey()/>
<#assign names = e.getValue()/>
${p.groupId}:${p.artifactId}:${p.version}<#if p.artifact.classifier?has_content>:${p.artifact.classifier}</#if>  ${(p.name?index_of('Unnamed') > -1)?then(p.artifactId, p.name)}<#if p.url?has_content>  ${p.url}</#if>
<#list names as n>    licence: ${n}
</#list>
<#list p.licenses as l><#if l.url?has_content>    ${l.url}
</#if></#list>
</#list>
